// Every way a login by redirect can go wrong, against the real provider: the
// error code a caller switches on, what is left behind, and what never leaks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError } from 'keycard';
import { CLIENT_ID, startProvider, type TestProvider } from './provider';
import { reachable } from '../resilience/support';
import { setup } from './setup';

let op: TestProvider;
beforeAll(async () => {
  op = await startProvider();
});
afterAll(() => op?.close());

const PENDING_KEY = `keycard.oauth:${CLIENT_ID}`;
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.unreachable('should reject'),
    (error: unknown) => error as AuthError,
  );
const withParam = (url: string, name: string, value: string) => {
  const next = new URL(url);
  next.searchParams.set(name, value);
  return next.href;
};
/** Edits the pending login saved by loginWithRedirect, as a script with access to sessionStorage could. */
const editPending = (transient: ReturnType<typeof setup>['transient'], edit: Record<string, string>) =>
  transient.set(PENDING_KEY, JSON.stringify({ ...JSON.parse(transient.get(PENDING_KEY) as string), ...edit }));

describe('the redirect back', () => {
  it('turns error= (the user pressed Cancel) into invalid_credentials, with the OAuth error as cause', async () => {
    const { auth, navigations, browser, transient } = setup(op);
    await auth.loginWithRedirect();
    const callback = await browser.visit(navigations[0] as string, { cancel: true });

    const error = await rejection(auth.handleRedirectCallback(callback));
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({
      code: 'invalid_credentials',
      cause: { error: 'access_denied', error_description: expect.any(String) },
    });
    expect(transient.size).toBe(0);
    // Settled, not left 'initializing'.
    expect(auth.getState()).toMatchObject({ status: 'unauthenticated', user: null });
  });

  it('refuses a redirect whose state does not match, without sending the code, and forgets the pending login', async () => {
    const { auth, authorize, transient, sentTo } = setup(op);
    const callback = await authorize();
    const code = new URL(callback).searchParams.get('code') as string;

    const error = await rejection(auth.handleRedirectCallback(withParam(callback, 'state', 'forged')));
    expect(error).toMatchObject({ name: 'AuthError', code: 'invalid_response' });
    expect(error.message).not.toContain(code);
    expect(transient.size).toBe(0);
    expect(sentTo('/token')).toHaveLength(0);
    // The pending login answers one callback only: the genuine one is now refused too.
    expect(await rejection(auth.handleRedirectCallback(callback))).toMatchObject({ code: 'invalid_response' });
  });

  it('names a refused redirect by where it went: its origin and path, or the scheme of a URL that has no origin', async () => {
    const { auth, authorize } = setup(op);
    const callback = await authorize();
    const { origin, pathname } = new URL(callback);
    const forged = withParam(callback, 'state', 'forged');
    expect((await rejection(auth.handleRedirectCallback(forged))).message).toBe(
      `the redirect to ${origin}${pathname} does not answer a login started here (state mismatch)`,
    );
    // Each with a state of its own: two calls for one state share a result.
    for (const scheme of ['javascript:', 'data:'])
      expect((await rejection(auth.handleRedirectCallback(`${scheme}alert(1)?code=c&state=${scheme}`))).message).toBe(
        `the redirect to ${scheme} does not answer a login started here (state mismatch)`,
      );
  });

  it('refuses a redirect that is no URL (a path, garbage) as invalid_response, quoting nothing, and the real one still completes', async () => {
    const { auth, authorize, sentTo } = setup(op);
    const callback = await authorize();
    const code = new URL(callback).searchParams.get('code') as string;
    const { pathname, search } = new URL(callback);
    for (const notUrl of [`${pathname}${search}`, 'not a url', '', 42 as unknown as string]) {
      const error = await rejection(auth.handleRedirectCallback(notUrl));
      expect(error).toBeInstanceOf(AuthError);
      expect(error).toMatchObject({ code: 'invalid_response' });
      expect(reachable(error)).not.toContain(code);
    }
    expect(auth.getState().status).not.toBe('initializing');
    expect(sentTo('/token')).toHaveLength(0);
    expect((await auth.handleRedirectCallback(callback)).authState.status).toBe('authenticated');
  });

  it('refuses a redirect naming another issuer (RFC 9207 mix-up defence)', async () => {
    const { auth, authorize, sentTo } = setup(op);
    const callback = await authorize();
    expect(new URL(callback).searchParams.get('iss')).toBe(op.issuer);
    const error = await rejection(auth.handleRedirectCallback(withParam(callback, 'iss', 'https://evil.example')));
    expect(error.code).toBe('invalid_response');
    expect(error.message).toBe(`the redirect names another issuer, expected ${op.issuer}`);
    expect(sentTo('/token')).toHaveLength(0);
  });

  // RFC 9207 §2.4: error responses too. Another provider's `error=` passed for this one refusing the login, its
  // description as the cause (a black-box test of keycard/oauth from its README).
  it('refuses an error response naming another issuer: invalid_response, not the provider refusing', async () => {
    const { auth, navigations, browser } = setup(op);
    await auth.loginWithRedirect();
    const callback = await browser.visit(navigations[0] as string, { cancel: true });
    expect(new URL(callback).searchParams.get('iss')).toBe(op.issuer);
    const error = await rejection(auth.handleRedirectCallback(withParam(callback, 'iss', 'https://evil.example')));
    expect(error.code).toBe('invalid_response');
    expect(error.cause).toBeUndefined(); // not the OAuth error another provider sent
  });

  it('shares one result between two calls for the same redirect (React StrictMode), and refuses it once handled and on a new page', async () => {
    const { auth, authorize, sentTo } = setup(op);
    const callback = await authorize();
    const first = auth.handleRedirectCallback(callback);
    const second = auth.handleRedirectCallback(callback);
    expect(second).toBe(first);
    expect((await second).authState.status).toBe('authenticated');
    expect(sentTo('/token')).toHaveLength(1);

    // Once handled, the same redirect again (after a logout, say) is refused, not answered with a state since gone.
    await auth.logout();
    expect(await rejection(auth.handleRedirectCallback(callback))).toMatchObject({ code: 'invalid_response' });
    expect(auth.getState().status).toBe('unauthenticated');
    expect(sentTo('/token')).toHaveLength(1);

    // A reload of the callback URL: a fresh client has no pending login for it.
    const reloaded = setup(op);
    expect(await rejection(reloaded.auth.handleRedirectCallback(callback))).toMatchObject({ code: 'invalid_response' });
  });
});

describe('the code exchange', () => {
  it('surfaces a refused exchange (PKCE verifier mismatch → invalid_grant) as invalid_credentials', async () => {
    const { auth, authorize, transient, refreshStore } = setup(op);
    const callback = await authorize();
    editPending(transient, { codeVerifier: 'x'.repeat(43) });
    const error = await rejection(auth.handleRedirectCallback(callback));
    expect(error).toMatchObject({ code: 'invalid_credentials', status: 400 });
    expect(auth.getState().status).toBe('unauthenticated');
    expect(refreshStore.size).toBe(0);
  });

  it('refuses a replayed code', async () => {
    const { auth, authorize, transient } = setup(op);
    const callback = await authorize();
    const saved = transient.get(PENDING_KEY) as string;
    await auth.handleRedirectCallback(callback);
    await auth.logout();
    transient.set(PENDING_KEY, saved);
    const other = setup(op, { transientStorage: transient });
    expect(await rejection(other.auth.handleRedirectCallback(callback))).toMatchObject({
      code: 'invalid_credentials',
      status: 400,
    });
  });

  it('rejects an ID token whose nonce is not the one this login sent', async () => {
    const { auth, authorize, transient, refreshStore } = setup(op);
    const callback = await authorize();
    editPending(transient, { nonce: 'another-login' });
    const error = await rejection(auth.handleRedirectCallback(callback));
    expect(error).toMatchObject({ code: 'invalid_response' });
    expect(error.message).toMatch(/nonce/);
    expect(auth.getState()).toMatchObject({ status: 'unauthenticated', user: null });
    expect(refreshStore.size).toBe(0);
  });

  it('rejects an ID token with a broken signature, without quoting it', async () => {
    let idToken = '';
    const forge = (url: string, body: Record<string, unknown>) => {
      if (!url.endsWith('/token') || typeof body.id_token !== 'string') return body;
      const [header, payload] = body.id_token.split('.');
      const claims = JSON.parse(Buffer.from(payload as string, 'base64url').toString());
      idToken = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'mallory' })).toString('base64url')}.${body.id_token.split('.')[2]}`;
      return { ...body, id_token: idToken };
    };
    const { auth, authorize } = setup(op, { tamper: forge });
    const error = await rejection(auth.handleRedirectCallback(await authorize()));
    expect(error).toMatchObject({ code: 'invalid_response' });
    expect(error.message).toContain('ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    expect(error.message).not.toContain(idToken.slice(0, 20));
    expect(auth.getState().user).toBeNull();
  });

  it('rejects a login response without id_token when openid was requested', async () => {
    const { auth, authorize } = setup(op, {
      tamper: (url, body) => (url.endsWith('/token') ? { ...body, id_token: undefined } : body),
    });
    expect(await rejection(auth.handleRedirectCallback(await authorize()))).toMatchObject({ code: 'invalid_response' });
    expect(auth.getState().status).toBe('unauthenticated');
  });

  it('without openid, state.user is the access token’s decoded claims, as in the core', async () => {
    const { signIn, navigations } = setup(op, { scope: 'offline_access api:read' });
    const { authState } = await signIn('bob');
    expect(authState.user).toMatchObject({ sub: 'bob', aud: op.api, scope: 'api:read', client_id: CLIENT_ID });
    expect(new URL(navigations[0] as string).searchParams.get('nonce')).toBeNull();
  });
});

describe('provider metadata', () => {
  it.each([
    ['another issuer', () => 'https://evil.example', 'another issuer'],
    // Hostile: its text must not reach the message (API.md), and trimming its slashes must not take quadratic time.
    ['a 100,000-character issuer', () => `https://evil.example/${'/'.repeat(100_000)}x`, 'another issuer'],
    ['its issuer with a trailing slash', (ours: string) => `${ours}/`, 'the issuer with another trailing slash'],
    ['an issuer that is no string', () => 42, 'no issuer'],
  ])('refuses a discovery document that names %s, saying how without quoting it', async (_, named, how) => {
    const { auth, navigations } = setup(op, {
      tamper: (url, body) => (url.includes('/.well-known/') ? { ...body, issuer: named(op.issuer) } : body),
    });
    const error = await rejection(auth.loginWithRedirect());
    expect(error).toMatchObject({ code: 'invalid_response' });
    expect(error.message).toBe(`GET ${op.issuer}/.well-known/openid-configuration names ${how}, expected ${op.issuer}`);
    expect(navigations).toHaveLength(0);
  });

  it.each([
    ['a javascript: authorization_endpoint', { authorization_endpoint: 'javascript:alert(document.domain)//' }],
    ['a data: end_session_endpoint', { end_session_endpoint: 'data:text/html,<script>alert(1)</script>' }],
    ['a token_endpoint that is no string', { token_endpoint: 42 }],
    ['a relative jwks_uri', { jwks_uri: '/jwks' }],
    ['a protocol-relative revocation_endpoint', { revocation_endpoint: '//evil.example/revoke' }],
  ])('refuses a discovery document with %s, navigating nowhere', async (_, edit) => {
    const { auth, navigations } = setup(op, {
      tamper: (url, body) => (url.includes('/.well-known/') ? { ...body, ...edit } : body),
    });
    const error = await rejection(auth.loginWithRedirect());
    expect(error).toMatchObject({ code: 'invalid_response' });
    expect(error.message).toMatch(new RegExp(`names a ${Object.keys(edit)[0]} that is not an http\\(s\\) URL$`));
    expect(navigations).toHaveLength(0);
  });

  it('reports an unreachable provider as network, and retries discovery on the next call', async () => {
    let down = true;
    const { auth, navigations } = setup(op, {
      fetch: (input, init) => (down ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init)),
    });
    expect(await rejection(auth.loginWithRedirect())).toMatchObject({ code: 'network' });
    down = false;
    await auth.loginWithRedirect();
    expect(navigations).toHaveLength(1);
  });

  // Django OAuth Toolkit before 2.4 serves discovery only at `…/openid-configuration/`; Django's APPEND_SLASH
  // redirects there (test/oauth/django-oauth-toolkit.test.ts runs the real one).
  const slashOnly = (answer: (slashed: string) => Promise<Response>) => {
    const asked: string[] = [];
    const redirecting: typeof fetch = async (input, init) => {
      const url = String(input);
      if (!url.includes('/.well-known/')) return fetch(input, init);
      asked.push(new URL(url).pathname);
      return url.endsWith('/')
        ? answer(url)
        : new Response(null, { status: 301, headers: { location: '/.well-known/openid-configuration/' } });
    };
    return { asked, fetch: redirecting };
  };
  /** The real document, as the slashed path would serve it. */
  const real = async (slashed: string) => Response.json(await (await fetch(slashed.slice(0, -1))).json());

  it('asks the slashed discovery path once when the registered one redirects, and signs in', async () => {
    const provider = slashOnly(real);
    const { auth, signIn } = setup(op, { fetch: provider.fetch });
    const { authState } = await signIn();
    expect(authState.user).toMatchObject({ sub: 'alice', iss: op.issuer });
    expect(provider.asked).toEqual(['/.well-known/openid-configuration', '/.well-known/openid-configuration/']);
    expect((await auth.metadata()).token_endpoint).toBe(`${op.issuer}/token`);
  });

  it('keeps the redirect as the error when the slashed path fails too, and holds its document to the issuer', async () => {
    const redirectsAgain = slashOnly(async () => new Response(null, { status: 302, headers: { location: '/x' } }));
    const first = setup(op, { fetch: redirectsAgain.fetch });
    const error = await rejection(first.auth.loginWithRedirect());
    expect(error).toMatchObject({ code: 'invalid_response', status: 301 });
    expect(error.message).toBe(
      `GET ${op.issuer}/.well-known/openid-configuration answered 301: a redirect, not followed`,
    );
    expect(redirectsAgain.asked).toHaveLength(2);
    expect(first.navigations).toHaveLength(0);

    const anotherIssuer = slashOnly(async () => Response.json({ issuer: 'https://evil.example' }));
    const second = setup(op, { fetch: anotherIssuer.fetch });
    expect((await rejection(second.auth.loginWithRedirect())).message).toBe(
      `GET ${op.issuer}/.well-known/openid-configuration/ names another issuer, expected ${op.issuer}`,
    );
    expect(second.navigations).toHaveLength(0);
  });

  it('works from explicit endpoints with discovery off', async () => {
    const { auth, signIn, sent } = setup(op, {
      discovery: false,
      authorizationEndpoint: `${op.issuer}/auth`,
      tokenEndpoint: `${op.issuer}/token`,
      revocationEndpoint: `${op.issuer}/token/revocation`,
      jwksUri: `${op.issuer}/jwks`,
    });
    const { authState } = await signIn();
    expect(authState.user).toMatchObject({ sub: 'alice', iss: op.issuer });
    await auth.logout();
    expect(sent.some((request) => request.url.includes('/.well-known/'))).toBe(false);
    expect(sent.map((request) => new URL(request.url).pathname)).toEqual(['/token', '/jwks', '/token/revocation']);
  });
});
