import { useMutation } from '@tanstack/react-query';
import { useAuthClient } from 'keycard/react';
import { revokeAccessTokens, serverStats } from './auth';

const CALLS = 20;

interface BurstResult {
  succeeded: number;
  replays: number;
  refreshesBefore: number;
  refreshesAfter: number;
}

/**
 * Revokes the access token on the server, then fires 20 API calls at once:
 * all 20 get a 401, share ONE refresh, and are replayed with the new token.
 */
export function Burst() {
  const auth = useAuthClient();
  const burst = useMutation({
    mutationFn: async (): Promise<BurstResult> => {
      const before = await serverStats();
      await revokeAccessTokens();
      let replays = 0;
      const stop = auth.onEvent((event) => {
        if (event.type === 'replay') replays++;
      });
      try {
        const answers = await Promise.all(Array.from({ length: CALLS }, () => auth.fetch('/api/items')));
        const after = await serverStats();
        return {
          succeeded: answers.filter((res) => res.ok).length,
          replays,
          refreshesBefore: before.refreshes,
          refreshesAfter: after.refreshes,
        };
      } finally {
        stop();
      }
    },
  });
  const result = burst.data;

  return (
    <section className="card">
      <h3>One refresh for {CALLS} requests</h3>
      <p className="muted small">
        Revokes your access token on the server (<code>POST /admin/revoke-access-tokens</code>), then fires {CALLS}{' '}
        parallel <code>GET /api/items</code>. Every one of them gets a 401; keycard runs one refresh and replays them
        all.
      </p>
      <button type="button" onClick={() => burst.mutate()} disabled={burst.isPending}>
        {burst.isPending ? 'Calling…' : `Revoke token + ${CALLS} parallel calls`}
      </button>
      {burst.isError && <p className="error">{burst.error.message}</p>}
      {result && (
        <dl
          className="burst"
          data-testid="burst-result"
          data-succeeded={result.succeeded}
          data-refreshes={result.refreshesAfter - result.refreshesBefore}
        >
          <dt>Calls that succeeded</dt>
          <dd>
            <strong>
              {result.succeeded} / {CALLS}
            </strong>
          </dd>
          <dt>401s replayed</dt>
          <dd>{result.replays}</dd>
          <dt>Server refresh count</dt>
          <dd>
            {result.refreshesBefore} → {result.refreshesAfter}{' '}
            <strong className="ok">(+{result.refreshesAfter - result.refreshesBefore})</strong>
          </dd>
        </dl>
      )}
    </section>
  );
}
