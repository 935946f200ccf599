import { AuthError, sendAuthRequest, type SendOptions } from 'keycard';
import { withheld } from './id-token';
import type { ProviderMetadata } from './types';

export interface MetadataOptions extends SendOptions {
  issuer: string | undefined;
  discovery: boolean;
  /** Metadata given as options; wins over the discovered document. */
  explicit: ProviderMetadata;
  signal: AbortSignal;
}

const invalid = (message: string, status?: number, cause?: unknown) =>
  new AuthError('invalid_response', message, { status, cause });

/**
 * The provider metadata, loaded lazily: fetched once from
 * `{issuer}/.well-known/openid-configuration` (a failure is retried on the
 * next call), then merged under the explicit options.
 */
export function createMetadata(o: MetadataOptions): () => Promise<ProviderMetadata> {
  const explicit = Object.fromEntries(Object.entries(o.explicit).filter(([, value]) => value !== undefined));
  if (!o.discovery || !o.issuer) {
    const fixed = Promise.resolve({ issuer: o.issuer, ...explicit });
    return () => fixed;
  }
  const issuer = o.issuer;
  let loading: Promise<ProviderMetadata> | null = null;
  return () => {
    loading ??= discover(issuer, o).then(
      (found) => ({ ...found, ...explicit }),
      (error: unknown) => {
        loading = null;
        throw error;
      },
    );
    return loading;
  };
}

async function discover(issuer: string, o: MetadataOptions): Promise<ProviderMetadata> {
  // OpenID Connect Discovery §4: the issuer minus any trailing slash, plus the well-known path.
  const url = `${withoutTrailingSlashes(issuer)}/.well-known/openid-configuration`;
  const get = (at: string) =>
    sendAuthRequest(at, { method: 'GET', headers: { Accept: 'application/json' } }, o.signal, o);
  // Django OAuth Toolkit before 2.4 serves the document only with a trailing slash, and Django's APPEND_SLASH
  // redirects there. Redirects are never followed (a browser hides where one points), so on a redirect the slashed
  // path is asked once; the issuer check below still holds the answer to the issuer.
  const reply = await get(url).catch((error: unknown) => {
    if (error instanceof AuthError && error.code === 'invalid_response')
      return get(`${url}/`).catch(() => Promise.reject(error));
    throw error;
  });
  if (reply.status !== 200) throw invalid(`${reply.where} answered ${reply.status}`, reply.status);
  let document: unknown;
  try {
    document = JSON.parse(reply.text);
  } catch (cause) {
    // V8's SyntaxError quotes the body.
    throw invalid(`${reply.where} answered with a body that is not JSON`, reply.status, withheld(cause));
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    throw invalid(`${reply.where} is not a JSON object`);
  const metadata = document as ProviderMetadata;
  // §4.3: the document must name the very issuer it was fetched for, or a different provider is answering.
  if (metadata.issuer !== issuer) throw otherIssuer(reply.where, metadata.issuer, issuer);
  // The endpoints keycard calls or sends the browser to: a `javascript:` authorization or end-session endpoint (a
  // hostile or compromised document) would run script in the app's origin when loginWithRedirect navigates there.
  // Judged by the URL parser that will read them (a URL it can't parse would fail later as a TypeError).
  for (const name of ENDPOINTS) {
    const value = metadata[name];
    if (value !== undefined && !isHttpUrl(value))
      throw invalid(`${reply.where} names a ${name} that is not an http(s) URL`);
  }
  return metadata;
}

/**
 * A provider that names another issuer than the app's. Its issuer is not quoted: it is the provider's text (API.md:
 * no response body in a message; a hostile document's runs to any length). What the app can act on is said instead:
 * the one mismatch a typo in the app's options explains, a trailing slash.
 */
export function otherIssuer(where: string, named: unknown, expected: string): AuthError {
  const how =
    typeof named !== 'string' || named === ''
      ? 'no issuer'
      : withoutTrailingSlashes(named) === withoutTrailingSlashes(expected)
        ? 'the issuer with another trailing slash'
        : 'another issuer';
  return invalid(`${where} names ${how}, expected ${expected}`);
}

// A loop, not /\/+$/: on a hostile issuer of many slashes and then a letter, that regex takes quadratic time.
function withoutTrailingSlashes(value: string): string {
  let end = value.length;
  while (end > 0 && value[end - 1] === '/') end--;
  return value.slice(0, end);
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  let protocol: string;
  try {
    protocol = url.protocol;
  } catch (cause) {
    // React Native 0.74's URL parses nothing: every getter throws "not implemented". Not the provider's fault.
    throw new TypeError(
      'keycard/oauth needs a complete URL (this one cannot read a protocol); in React Native install react-native-url-polyfill',
      { cause },
    );
  }
  return protocol === 'http:' || protocol === 'https:';
}

const ENDPOINTS = [
  'authorization_endpoint',
  'token_endpoint',
  'revocation_endpoint',
  'end_session_endpoint',
  'jwks_uri',
] as const;
