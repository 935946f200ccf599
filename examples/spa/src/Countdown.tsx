import { useEffect, useState } from 'react';
import { useAuthState } from 'keycard/react';
import { leadTime } from './auth';
import { seconds } from './format';

/** Re-renders every `ms` while mounted. */
function useNow(ms: number): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

/**
 * Live countdown to the next proactive refresh. keycard refreshes `lead`
 * seconds before expiry, but never before half the token's lifetime, so a
 * 30 s token with a 60 s lead refreshes at 15 s.
 */
export function Countdown() {
  const expiresAt = useAuthState((s) => s.expiresAt);
  const lifetime = useAuthState((s) => {
    const { iat, exp } = s.user ?? {};
    return typeof iat === 'number' && typeof exp === 'number' ? (exp - iat) * 1000 : null;
  });
  const now = useNow(100);
  if (expiresAt === null || lifetime === null)
    return <p className="muted">This token has no expiry: it is used until a 401.</p>;

  const refreshAt = expiresAt - Math.min(leadTime * 1000, lifetime / 2);
  const used = Math.min(1, Math.max(0, 1 - (expiresAt - now) / lifetime));
  return (
    <div className="countdown" data-testid="countdown" data-expires-at={expiresAt} data-refresh-at={refreshAt}>
      <p>
        Next refresh in <strong data-testid="next-refresh">{seconds(refreshAt - now)}</strong>
        <span className="muted">
          {' '}
          · token expires in {seconds(expiresAt - now)} · lead time {leadTime} s
        </span>
      </p>
      <div className="bar" role="presentation">
        <div className="bar-fill" style={{ width: `${used * 100}%` }} />
        <div
          className="bar-mark"
          style={{ left: `${(1 - (expiresAt - refreshAt) / lifetime) * 100}%` }}
          title="refresh"
        />
      </div>
    </div>
  );
}
