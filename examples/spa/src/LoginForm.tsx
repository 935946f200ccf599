import { useState, type FormEvent } from 'react';
import { AuthError } from 'keycard';
import { useAuth } from 'keycard/react';

const MESSAGES: Partial<Record<AuthError['code'], string>> = {
  invalid_credentials: 'Wrong username or password.',
  network: 'The server cannot be reached.',
};

export function LoginForm({ sessionEnded }: { sessionEnded: boolean }) {
  const { login } = useAuth();
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setFailure(null);
    try {
      await login({ username: form.get('username'), password: form.get('password') });
    } catch (err) {
      setFailure((err instanceof AuthError && MESSAGES[err.code]) || 'Sign-in failed.');
      setBusy(false);
    }
  }

  return (
    <form className="card login-form" onSubmit={onSubmit}>
      <h2>Sign in</h2>
      {sessionEnded && (
        <p className="notice" data-testid="session-ended">
          Your session ended: the server refused to refresh it. Please sign in again.
        </p>
      )}
      <label>
        Username <input name="username" defaultValue="alice" autoComplete="username" />
      </label>
      <label>
        Password <input name="password" type="password" defaultValue="wonderland" autoComplete="current-password" />
      </label>
      {failure && <p className="error">{failure}</p>}
      <button type="submit" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
      <p className="muted small">Demo users: alice / wonderland, bob / builder</p>
    </form>
  );
}
