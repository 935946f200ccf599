// Types of server.js.
import type { FakeRequest, FakeResponse } from './device';
export interface ServerState {
  stats: {
    logins: number;
    refreshes: number;
    logouts: number;
    api: number;
    api401: number;
    apiWithToken: number;
    /** Requests to another origin than the server's, and how many of them carried an Authorization header. */
    elsewhere: number;
    elsewhereWithToken: number;
    /** Requests to the OAuth token endpoint (keycard/oauth). */
    oauthTokens?: number;
  };
  [key: string]: unknown;
}
export interface FakeServer {
  handle(request: FakeRequest): FakeResponse | null;
  stats: ServerState['stats'];
  state: ServerState;
  revokeAccessTokens(): void;
  loseRefreshResponses(count: number): void;
  liveFamilies(): number;
  /** The PKCE code verifier of the last authorization code exchange. */
  codeVerifier(): string | undefined;
}
export declare function createServer(options: {
  baseUrl: string;
  accessTokenLifetime: number;
  user: { username: string; password: string; sub: string; name: string };
  state?: ServerState;
}): FakeServer;
