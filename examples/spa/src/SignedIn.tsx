import { useAuth } from 'keycard/react';
import { Burst } from './Burst';
import { Claims } from './Claims';
import { Countdown } from './Countdown';
import { VerifiedByApi } from './VerifiedByApi';

export function SignedIn() {
  const { user, refresh, logout } = useAuth();
  return (
    <>
      <section className="card session">
        <div>
          <h2 data-testid="signed-in">Signed in as {String(user?.name ?? user?.sub)}</h2>
          <Countdown />
        </div>
        <div className="actions">
          {/* A failed manual refresh shows in the event log; nothing more to do here. */}
          <button type="button" className="secondary" onClick={() => refresh().catch(() => {})}>
            Refresh now
          </button>
          <button type="button" onClick={() => logout()}>
            Sign out
          </button>
        </div>
      </section>
      <div className="grid">
        <Claims />
        <VerifiedByApi />
      </div>
      <Burst />
    </>
  );
}
