// A server component: it renders the client component and calls keycard/react's pure helper on the server,
// which only works if that helper is not inside keycard/react's 'use client' module.
import { sameUser } from 'keycard/react';
import AuthStatus from './auth-status';

export default function Page() {
  const same = sameUser({ sub: 'alice', iat: 1 }, { sub: 'alice', iat: 2 });
  return (
    <main>
      <p id="same-user">{String(same)}</p>
      <AuthStatus />
    </main>
  );
}
