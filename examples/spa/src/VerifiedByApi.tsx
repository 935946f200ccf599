import { useQuery } from '@tanstack/react-query';
import { getJson, pollInterval } from './auth';
import { clock } from './format';

/** GET /api/me through auth.fetch: the server verifies the token and answers with its claims. */
export function VerifiedByApi() {
  const me = useQuery({
    queryKey: ['me'],
    queryFn: ({ signal }) => getJson<{ sub: string; jti: string }>('/api/me', signal),
    refetchInterval: pollInterval || false,
  });
  return (
    <section className="card">
      <h3>API</h3>
      <p className="muted small">
        <code>GET /api/me</code> through <code>auth.fetch</code>
        {pollInterval ? `, every ${pollInterval / 1000} s` : ''}. The server checks the signature, expiry and
        revocation.
      </p>
      {me.isPending && <p>Calling…</p>}
      {me.isError && <p className="error">{me.error.message}</p>}
      {me.isSuccess && (
        <p data-testid="api-ok">
          <span className="ok">✓ accepted</span> token <code>{me.data.jti.slice(0, 8)}…</code> for{' '}
          <strong>{me.data.sub}</strong>
          <span className="muted small"> at {clock(me.dataUpdatedAt)}</span>
        </p>
      )}
      <button type="button" className="secondary" onClick={() => me.refetch()} disabled={me.isFetching}>
        Call the API
      </button>
    </section>
  );
}
