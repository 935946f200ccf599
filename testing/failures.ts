import { HttpResponse } from 'msw';

/**
 * A failure the mock server can answer with instead of doing its job:
 * `'500'`; `'503'` with `Retry-After`; `'network'` (fetch rejects);
 * `'invalid_grant'` (401, the session looks over); `'html'` (a 200 that is
 * not a token response, like a captive portal); `'hang'` (no answer until
 * the request is aborted or the server is reset).
 *
 * @example
 * server.failNextRefresh('503', 2, { retryAfter: 5 });
 */
export type FailureKind = '500' | '503' | 'network' | 'invalid_grant' | 'html' | 'hang';

/**
 * Options for an injected failure.
 *
 * @example
 * server.failNextRefresh('503', 1, { retryAfter: 'Wed, 21 Oct 2026 07:28:00 GMT' });
 */
export interface FailureOptions {
  /** `Retry-After` of a `'503'`: seconds or an HTTP date. Default `1`. */
  retryAfter?: number | string;
}

/**
 * Failures queued for one endpoint, consumed one per request, in order.
 *
 * @example
 * const failures = createFailures(json);
 * failures.add('network', 2);
 * const response = failures.take(request); // undefined once the queue is empty
 */
export function createFailures(json: (status: number, body: unknown, headers?: HeadersInit) => Response) {
  const queue: Array<{ kind: FailureKind; options: FailureOptions }> = [];
  const hanging = new Set<() => void>();

  const hang = (signal: AbortSignal) =>
    new Promise<Response>((resolve) => {
      const release = () => {
        hanging.delete(release);
        signal.removeEventListener('abort', release);
        resolve(HttpResponse.error());
      };
      // Settles on abort (the client has moved on) or on reset(), so no test leaks a pending handler.
      hanging.add(release);
      if (signal.aborted) release();
      else signal.addEventListener('abort', release, { once: true });
    });

  const respond = (kind: FailureKind, options: FailureOptions, request: Request): Response | Promise<Response> => {
    switch (kind) {
      case '500':
        return json(500, { error: 'server_error' });
      case '503':
        return json(503, { error: 'temporarily_unavailable' }, { 'Retry-After': String(options.retryAfter ?? 1) });
      case 'network':
        return HttpResponse.error();
      case 'invalid_grant':
        return json(401, { error: 'invalid_grant' });
      case 'html':
        return new Response('<!doctype html><title>Sign in to Wi-Fi</title>', {
          headers: { 'Content-Type': 'text/html' },
        });
      case 'hang':
        return hang(request.signal);
    }
  };

  return {
    add(kind: FailureKind, count: number, options: FailureOptions): void {
      for (let i = 0; i < count; i++) queue.push({ kind, options });
    },

    take(request: Request): Response | Promise<Response> | undefined {
      const next = queue.shift();
      return next && respond(next.kind, next.options, request);
    },

    /** Drops queued failures and answers hanging requests with a network error. */
    clear(): void {
      queue.length = 0;
      for (const release of [...hanging]) release();
    },
  };
}
