import { useState } from 'react';
import { useAuth } from 'keycard/react';
import { EventLog } from './EventLog';
import { LoginForm } from './LoginForm';
import { SignedIn } from './SignedIn';

export function App() {
  const { status, error } = useAuth();
  // A cookie-mode restore can't tell "no cookie" from "expired cookie": both are
  // session_expired. Only a session this page actually had can have "ended".
  const [hadSession, setHadSession] = useState(false);
  if (status === 'authenticated' && !hadSession) setHadSession(true);

  return (
    <main data-status={status}>
      <header>
        <h1>keycard demo</h1>
        <p className="muted">
          Access token in memory · refresh token in an HttpOnly cookie · one shared refresh for every tab and every 401
        </p>
      </header>
      {status === 'initializing' && <p className="card muted">Restoring your session…</p>}
      {status === 'unauthenticated' && <LoginForm sessionEnded={hadSession && error?.code === 'session_expired'} />}
      {status === 'authenticated' && <SignedIn />}
      <EventLog />
    </main>
  );
}
