import {
  AuthError,
  readTokens,
  sendAuthRequest,
  type AuthBackend,
  type Reply,
  type SendOptions,
  type Tokens,
} from 'keycard';
import { createIdTokenVerifier } from './id-token';
import type { ProviderMetadata, RevocationResult } from './types';

export interface OAuthBackendOptions extends SendOptions {
  clientId: string;
  redirectUri: string;
  resource: string | undefined;
  /** `openid` was requested: token responses carry ID tokens, and `state.user` is their claims. */
  openid: boolean;
  /** `offline_access` was requested: a login without a refresh token is worth a warning. */
  offlineAccess: boolean;
  metadata: () => Promise<ProviderMetadata>;
  /** The signed-in user's claims (null when signed out), kept when a refresh brings no new ID token. */
  currentUser: () => Record<string, unknown> | null;
  /** Names the session for the default cross-tab channel: the issuer (or token endpoint) and the client id. */
  session: string;
  /** Told how each logout's revocation went: the core ignores logout failures, the app may not. */
  onRevocation: (result: RevocationResult) => void;
}

export interface OAuthBackend extends AuthBackend {
  /** The raw ID token, only while it belongs to `user` (for `id_token_hint`). */
  idTokenFor(user: Record<string, unknown> | null): string | undefined;
  forgetIdToken(): void;
}

/**
 * The core's `AuthBackend` speaking OAuth 2.0 to the provider's token
 * endpoint: form posts for the code exchange (RFC 6749 §4.1.3 + RFC 7636) and
 * refresh (§6), RFC 7009 revocation on logout, and ID token validation on
 * every token response.
 */
export function createOAuthBackend(o: OAuthBackendOptions): OAuthBackend {
  const verifyIdToken = createIdTokenVerifier(o.fetch, o.timeoutMs);
  // Which call produced a reply, so `tokens()` knows whether to expect a nonce or a same-`sub` refresh.
  const origins = new WeakMap<Reply, { login: boolean; nonce?: string }>();
  let held: { idToken: string; sub: unknown } | null = null;
  let warned = false;

  async function post(
    endpoint: 'token_endpoint' | 'revocation_endpoint',
    fields: Record<string, string>,
    signal: AbortSignal,
  ): Promise<Reply> {
    const url = (await o.metadata())[endpoint];
    if (typeof url !== 'string') throw new AuthError('invalid_response', `the provider has no ${endpoint}`);
    // A CORS "simple" request (form body, no custom headers): token endpoints rarely answer preflights.
    const init = {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams(fields).toString(),
    };
    return sendAuthRequest(url, init, signal, o);
  }

  async function idTokenClaims(reply: Reply, parsed: Tokens): Promise<Record<string, unknown> | null> {
    const origin = origins.get(reply);
    const idToken = (JSON.parse(reply.text) as Record<string, unknown>).id_token;
    if (idToken === undefined || idToken === null) {
      if (origin?.login)
        throw new AuthError(
          'invalid_response',
          `${reply.where}: the token response has no id_token although openid was requested`,
          { status: reply.status },
        );
      // Refresh responses may omit the ID token (OIDC Core §12.2): the user is still who they were.
      return o.currentUser() ?? parsed.claims;
    }
    if (typeof idToken !== 'string')
      throw new AuthError('invalid_response', `${reply.where}: id_token is not a string`, { status: reply.status });
    const { issuer, jwks_uri: jwksUri } = await o.metadata();
    if (!issuer || !jwksUri)
      throw new AuthError(
        'invalid_response',
        'cannot verify the ID token without the issuer and jwks_uri (set issuer, or jwksUri with discovery: false)',
      );
    const sub = origin?.login ? undefined : o.currentUser()?.sub;
    const serverNow = reply.date ? Date.parse(reply.date) + (Date.now() - reply.receivedAt) : NaN;
    const claims = await verifyIdToken(idToken, {
      issuer,
      jwksUri,
      clientId: o.clientId,
      nonce: origin?.nonce,
      sub: typeof sub === 'string' ? sub : undefined,
      serverNow: Number.isNaN(serverNow) ? null : serverNow,
      where: reply.where,
    });
    held = { idToken, sub: claims.sub };
    return claims;
  }

  /** RFC 7009: revoking the refresh token ends the grant at the provider, not just in this app. Never throws. */
  async function revoke(refreshToken: string | undefined, signal: AbortSignal): Promise<RevocationResult> {
    if (!refreshToken) return { revoked: false, reason: 'no_token' };
    try {
      if (!(await o.metadata()).revocation_endpoint) return { revoked: false, reason: 'unsupported' };
      const reply = await post(
        'revocation_endpoint',
        { token: refreshToken, token_type_hint: 'refresh_token', client_id: o.clientId },
        signal,
      );
      // §2.2: 200 means revoked (or already invalid); anything else, e.g. a 401 from a provider that revokes only
      // for confidential clients, leaves the refresh token valid at the provider.
      if (reply.status >= 200 && reply.status < 300) return { revoked: true };
      return { revoked: false, reason: 'refused', status: reply.status };
    } catch (error) {
      const failure = error instanceof AuthError ? error : new AuthError('network', 'token revocation failed');
      return { revoked: false, reason: 'failed', error: failure };
    }
  }

  return {
    session: o.session,
    async login(credentials, signal) {
      const { nonce, ...rest } = credentials;
      const fields: Record<string, string> = { grant_type: 'authorization_code' };
      for (const [name, value] of Object.entries(rest)) {
        if (value === undefined) continue;
        if (typeof value !== 'string')
          throw new AuthError('invalid_credentials', `login field "${name}" must be a string`);
        fields[name] = value;
      }
      if (fields.grant_type === 'authorization_code') fields.redirect_uri ??= o.redirectUri;
      if (o.resource) fields.resource ??= o.resource;
      // Public clients identify themselves with client_id in the body (RFC 6749 §3.2.1).
      fields.client_id = o.clientId;
      const reply = await post('token_endpoint', fields, signal);
      origins.set(reply, { login: true, nonce: typeof nonce === 'string' ? nonce : undefined });
      return reply;
    },

    async refresh(refreshToken, signal) {
      if (!refreshToken) throw new AuthError('unauthenticated', 'no refresh token is held');
      const fields: Record<string, string> = {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: o.clientId,
      };
      if (o.resource) fields.resource = o.resource;
      const reply = await post('token_endpoint', fields, signal);
      origins.set(reply, { login: false });
      return reply;
    },

    async logout(refreshToken, signal) {
      const result = await revoke(refreshToken, signal);
      o.onRevocation(result);
      return result;
    },

    async tokens(reply) {
      // readTokens keeps the core's checks and measures the access token's lifetime on the local clock.
      const parsed = readTokens(reply);
      if (
        o.offlineAccess &&
        !parsed.refreshToken &&
        origins.get(reply)?.login &&
        !warned &&
        typeof console !== 'undefined'
      ) {
        warned = true;
        // Without one the session ends with the first access token; some providers (oidc-provider) grant offline_access only with prompt=consent.
        console.warn('[keycard] the provider issued no refresh token although offline_access was requested');
      }
      if (!o.openid) return parsed;
      return { ...parsed, claims: await idTokenClaims(reply, parsed) };
    },

    idTokenFor: (user) => (held && user && held.sub === user.sub ? held.idToken : undefined),
    forgetIdToken() {
      held = null;
    },
  };
}
