// Shared by the oauth tests: a real oidc-provider on 127.0.0.1, a tiny resource
// server that verifies its JWT access tokens, and a cookie-keeping "browser"
// that walks the provider's dev login and consent pages like a user would.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';

export const CLIENT_ID = 'keycard-spa';
/** Never served: the browser stops at the redirect and hands its URL to the client, as a page load would. */
export const REDIRECT_URI = 'http://127.0.0.1:5173/callback';
export const POST_LOGOUT_REDIRECT_URI = 'http://127.0.0.1:5173/';
export const ACCESS_TOKEN_TTL = 60;
export const ACCOUNTS: Record<string, { name: string; email: string }> = {
  alice: { name: 'Alice Liddell', email: 'alice@example.com' },
  bob: { name: 'Bob Builder', email: 'bob@example.com' },
};

export interface TestProvider {
  issuer: string;
  /** The resource indicator (`aud` of access tokens) and URL of the protected API. */
  api: string;
  /** Every API call's outcome, in order. */
  apiCalls: Array<{ status: number; sub?: string }>;
  /** The provider's replies in order: `<method> <path> <status>`. */
  requests: string[];
  /** The provider's grant events in order: `grant.success:<grant_type>`, `grant.error:<error>`, `grant.revoked`. */
  grants: string[];
  close(): Promise<void>;
}

const listen = (server: Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

// oidc-provider announces dev-only defaults (and Node 20 being older than it likes) on the console.
const quiet = <T extends (...args: unknown[]) => void>(original: T) =>
  ((...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('oidc-provider')) return;
    original(...args);
  }) as T;
let silenced = 0;
const originals = { warn: console.warn, info: console.info };
function silence(): () => void {
  if (silenced++ === 0) {
    console.warn = quiet(originals.warn);
    console.info = quiet(originals.info);
  }
  return () => {
    if (--silenced === 0) Object.assign(console, originals);
  };
}

/**
 * Starts oidc-provider configured like a production SPA setup: a public client
 * with PKCE, code + refresh grants, rotation, 60 s JWT access tokens for one
 * resource, revocation and RP-initiated logout, plus the resource server.
 * `app`, an origin, registers `${app}/callback` and `${app}/` too, for a page a
 * real browser loads (oidc-provider's default CORS policy then admits that
 * origin, as a public client's redirect URI origin).
 */
export async function startProvider({ app }: { app?: string } = {}): Promise<TestProvider> {
  const unsilence = silence();
  const { default: Provider } = await import('oidc-provider');
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'test-rs256', alg: 'RS256', use: 'sig' };

  const apiServer = createServer();
  const api = `${await listen(apiServer)}/api`;
  const providerServer = createServer();
  const issuer = await listen(providerServer);

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        // A public client: no secret, so PKCE is required (oidc-provider's default for 'none').
        token_endpoint_auth_method: 'none',
        // 'web' clients may use http redirect URIs with the code flow (only implicit must be https).
        application_type: 'web',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [REDIRECT_URI, ...(app ? [`${app}/callback`] : [])],
        post_logout_redirect_uris: [POST_LOGOUT_REDIRECT_URI, ...(app ? [`${app}/`] : [])],
      },
    ],
    pkce: { required: () => true },
    scopes: ['openid', 'offline_access', 'profile', 'email', 'api:read'],
    claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
    findAccount: (_ctx: unknown, sub: string) =>
      ACCOUNTS[sub] ? { accountId: sub, claims: () => ({ sub, ...ACCOUNTS[sub] }) } : undefined,
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 86_400,
      Grant: 86_400,
      Interaction: 600,
      Session: 86_400,
    },
    rotateRefreshToken: true,
    issueRefreshToken: async (
      _ctx: unknown,
      client: { grantTypeAllowed(grant: string): boolean },
      code: { scopes: Set<string> },
    ) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => api,
        // Token requests carry no `resource`: use the one granted at the authorization step.
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'api:read',
          audience: api,
          accessTokenTTL: ACCESS_TOKEN_TTL,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    jwks: { keys: [signingKey] },
    cookies: { keys: ['keycard-test-cookie-key'] },
  });
  const requests: string[] = [];
  const handle = provider.callback();
  providerServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    res.on('finish', () =>
      requests.push(`${req.method} ${new URL(req.url ?? '/', issuer).pathname} ${res.statusCode}`),
    );
    handle(req, res);
  });
  const grants: string[] = [];
  provider.on('grant.success', (ctx) =>
    grants.push(`grant.success:${(ctx as { oidc: { params: { grant_type: string } } }).oidc.params.grant_type}`),
  );
  provider.on('grant.error', (_ctx, error) => grants.push(`grant.error:${(error as { error?: string }).error}`));
  provider.on('grant.revoked', () => grants.push('grant.revoked'));

  const apiCalls: TestProvider['apiCalls'] = [];
  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  apiServer.on('request', async (req: IncomingMessage, res: ServerResponse) => {
    // A page on another origin calls it with an Authorization header: CORS, preflight included.
    if (req.headers.origin) res.setHeader('access-control-allow-origin', req.headers.origin);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'access-control-allow-headers': 'authorization', 'access-control-max-age': '600' }).end();
      return;
    }
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    try {
      if (!token) throw new Error('no token');
      const { payload } = await jwtVerify(token, jwks, { issuer, audience: api, typ: 'at+jwt' });
      apiCalls.push({ status: 200, sub: payload.sub });
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ sub: payload.sub, scope: payload.scope }));
    } catch {
      apiCalls.push({ status: 401 });
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
    }
  });

  return {
    issuer,
    api,
    apiCalls,
    requests,
    grants,
    async close() {
      providerServer.closeAllConnections();
      apiServer.closeAllConnections();
      await Promise.all([close(providerServer), close(apiServer)]);
      unsilence();
    },
  };
}

/** What a user does on a page with a form (its HTML, at `url`): the next request, a form's POST or a link's GET. */
export type FillIn = (html: string, url: string) => { url: string; init?: RequestInit };

export interface Browser {
  /** One request with the jar's cookies, redirects not followed. */
  request(url: string, init?: RequestInit): Promise<Response>;
  /**
   * Opens `url` and follows redirects, filling in each page on the way with `fillIn`, until a redirect leaves for
   * `stopAt`: returns that URL. By default, oidc-provider's dev pages: signing in as `login` and consenting (or
   * pressing Cancel when `cancel`).
   */
  visit(url: string, opts?: { login?: string; cancel?: boolean; stopAt?: string; fillIn?: FillIn }): Promise<string>;
}

/** oidc-provider's dev interaction pages (login, consent, logout confirm), as a user at them would fill them in. */
const providerPages =
  (login: string, cancel: boolean): FillIn =>
  (html, url) => {
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`browser: no form at ${url}`);
    if (cancel && prompt) return { url: new URL(/href="([^"]*\/abort)"/.exec(html)?.[1] ?? '', url).href };
    const fields: Record<string, string> =
      prompt === 'login'
        ? { prompt, login, password: 'any' }
        : prompt
          ? { prompt }
          : { xsrf: xsrf ?? '', logout: 'yes' };
    return { url: new URL(action, url).href, init: { method: 'POST', body: new URLSearchParams(fields) } };
  };

/** A cookie-keeping user agent that walks a provider's pages (by default oidc-provider's dev interaction pages). */
export function createBrowser(): Browser {
  const jar = new Map<string, string>();
  async function request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (jar.size) headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (!value || /expires=Thu, 01 Jan 1970/i.test(cookie)) jar.delete(name);
      else jar.set(name, value);
    }
    return response;
  }

  async function visit(
    start: string,
    { login = 'alice', cancel = false, stopAt = REDIRECT_URI, fillIn = providerPages(login, cancel) } = {},
  ): Promise<string> {
    let url = start;
    let init: RequestInit = {};
    for (let hops = 0; hops < 20; hops++) {
      if (url.startsWith(stopAt)) return url;
      const response = await request(url, init);
      init = {};
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        url = new URL(location, url).href;
        continue;
      }
      const html = await response.text();
      if (response.status !== 200) throw new Error(`browser: ${response.status} at ${url}: ${html.slice(0, 300)}`);
      ({ url, init = {} } = fillIn(html, url));
    }
    throw new Error(`browser: too many redirects from ${start}`);
  }

  return { request, visit };
}
