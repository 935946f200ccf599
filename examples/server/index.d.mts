// Types for index.mjs, kept beside it so TypeScript tests and editors get them
// without a build step. The .mjs files refer to these through JSDoc.

/** A row of the in-memory user table; `username` becomes the JWT's `sub`. */
export interface UserRecord {
  username: string;
  password: string;
  name?: string;
  roles?: string[];
}

export interface ServerOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Access-token lifetime in seconds. Default 300. */
  tokenLifetime?: number;
  /** Refresh-token lifetime in seconds (each rotation starts a new one). Default 7 days. */
  refreshTokenLifetime?: number;
  /**
   * Seconds after a rotation during which the replaced refresh token, presented
   * again while its successor was never used, gets that same successor (and a
   * fresh access token) instead of revoking the family: the client lost the
   * refresh response. Outside the window, or once the successor was used, reuse
   * still revokes. Default 10; 0 turns it off.
   */
  refreshTokenReuseGrace?: number;
  /** Seconds added to the server's clock for iat/exp, the Date header and verification. Default 0. */
  clockOffset?: number;
  /**
   * Where refresh tokens travel. Default 'both': the cookie, unless the login
   * JSON has `"refresh_token_in_body": true` or the refresh/logout JSON has
   * `refresh_token`, in which case the JSON body.
   */
  refreshTokenMode?: 'cookie' | 'body' | 'both';
  /** Origins allowed cross-origin (with credentials). Default none: same-origin only. */
  allowOrigins?: string[];
  /** A built SPA to serve, with fallback to its index.html. */
  staticDir?: string;
  /** Default DEFAULT_USERS (alice/wonderland, bob/builder). */
  users?: UserRecord[];
  /** Mount the unauthenticated /admin routes. Default true (dev-only server). */
  admin?: boolean;
  /** Largest JSON body in bytes; more is a 413. Default 16 KiB. */
  bodyLimit?: number;
}

export type FaultKind = '500' | '503' | 'hang' | 'html' | 'invalid_grant';

export interface Faults {
  refresh: FaultKind | null;
  /** How many more refresh requests get the fault. */
  remaining: number;
}

export interface Config {
  tokenLifetime: number;
  clockOffset: number;
}

export interface StatsEvent {
  /** ISO time on the server's (offset) clock. */
  at: string;
  type: 'login' | 'login_failure' | 'refresh' | 'refresh_failure' | 'logout' | 'api' | 'api_401';
  detail: string;
}

export interface Stats {
  logins: number;
  loginFailures: number;
  /** Successful refreshes (rotations). */
  refreshes: number;
  /** Refresh requests that got no tokens: invalid_grant, 403, or an injected fault. */
  refreshFailures: number;
  logouts: number;
  /** Every request to /api, 401s included. */
  apiCalls: number;
  api401s: number;
  /** The most recent 50, oldest first. */
  events: StatsEvent[];
}

export interface KeycardServer {
  /** e.g. 'http://127.0.0.1:41234' */
  url: string;
  port: number;
  /** Changes the token lifetime and/or clock offset from now on; returns the result. */
  configure(patch?: Partial<Config>): Config;
  /** The next `count` (default 1) refreshes get `refresh`; `{ refresh: null }` clears. */
  setFaults(fault: { refresh: FaultKind | null; count?: number }): Faults;
  /** Revokes every access token issued so far; returns how many were unexpired. */
  revokeAccessTokens(): number;
  stats(): Stats;
  resetStats(): void;
  /** Stops listening and drops open connections (hung requests included). */
  close(): Promise<void>;
}

/**
 * Starts the server on 127.0.0.1 (a free port unless `port` is given).
 *
 * @example
 * const server = await createServer({ tokenLifetime: 20 });
 * console.log(server.url);
 * await server.close();
 */
export function createServer(options?: ServerOptions): Promise<KeycardServer>;

export const DEFAULT_USERS: UserRecord[];
/** The refresh cookie's name. */
export const REFRESH_COOKIE: 'keycard_rt';
