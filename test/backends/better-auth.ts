// README "Recipes": Better Auth. Shared by the Node test (memory mode, a TokenStorage) and, bundled, by the browser
// test's page (cookie mode).
import { readTokens, sendAuthRequest, type AuthBackend, type JsonBackendOptions, type Reply } from 'keycard';

/** A JSON reply's top-level field, or undefined. */
const field = (reply: Reply, name: string): unknown => {
  try {
    return JSON.parse(reply.text)?.[name];
  } catch {
    return undefined;
  }
};

/**
 * Better Auth with its `jwt()` plugin (and `bearer()` for native apps): the session is the refresh token (the
 * HttpOnly cookie in a browser, the session token in memory or a TokenStorage elsewhere) and `GET /token` the
 * refresh. `origin`: a native app's, listed in the server's `trustedOrigins` (a browser sends its own).
 */
export const betterAuth =
  (origin?: string) =>
  (o: JsonBackendOptions): AuthBackend => {
    const at = (path: string) => new URL(`/api/auth/${path}`, o.baseUrl).href;
    const send = (path: string, signal: AbortSignal, session?: string, body?: unknown) =>
      sendAuthRequest(
        at(path),
        {
          method: body ? 'POST' : 'GET',
          headers: {
            ...(body ? { 'Content-Type': 'application/json' } : {}),
            ...(origin ? { Origin: origin } : {}),
            ...(session ? { Authorization: `Bearer ${session}` } : {}),
          },
          body: body ? JSON.stringify(body) : undefined,
          credentials: o.cookie ? 'include' : 'omit',
        },
        signal,
        o,
      );
    // Better Auth answers 401 whether or not a session cookie came: on a page that has had no session, it means none
    // came (a first visit), which keycard's wire format says with 204.
    let seen = false;
    const token = async (signal: AbortSignal, session?: string) => {
      const reply = await send('token', signal, session);
      if (reply.status === 200) seen = true;
      return o.cookie && reply.status === 401 && !seen ? { ...reply, status: 204 } : reply;
    };
    return {
      session: at('token'),
      async login(credentials, signal) {
        const signIn = await send('sign-in/email', signal, undefined, credentials);
        if (signIn.status !== 200 || o.cookie) return signIn.status === 200 ? token(signal) : signIn;
        // Without cookies, the session token from the sign-in asks for the JWT and is kept as the refresh token.
        const session = field(signIn, 'token') as string;
        const jwt = await token(signal, session);
        return { ...jwt, text: JSON.stringify({ token: field(jwt, 'token'), session }) };
      },
      refresh: (session, signal) => token(signal, session),
      logout: (session, signal) => send('sign-out', signal, session, {}),
      tokens: (reply) => readTokens(reply, { accessToken: 'token', refreshToken: 'session' }),
    };
  };
