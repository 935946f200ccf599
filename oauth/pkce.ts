// WebCrypto is in every browser and Node >= 19; React Native needs a polyfill.
function webCrypto(): Crypto {
  const crypto = globalThis.crypto as Crypto | undefined;
  if (!crypto?.subtle || typeof crypto.getRandomValues !== 'function') {
    throw new TypeError(
      'keycard/oauth needs WebCrypto (crypto.subtle, crypto.getRandomValues); in React Native install a polyfill such as react-native-quick-crypto',
    );
  }
  return crypto;
}

/**
 * A URL-safe random string with `bytes` bytes of entropy, for a PKCE code
 * verifier, `state` or `nonce` (32 bytes give a 43-character verifier, RFC 7636 §4.1).
 *
 * @example
 * const state = randomString();
 */
export function randomString(bytes = 32): string {
  return base64url(webCrypto().getRandomValues(new Uint8Array(bytes)));
}

/** RFC 4648 §5, unpadded (not jose's: it loads only when an ID token is to be verified, see id-token.ts). */
function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * The S256 code challenge of RFC 7636 §4.2: `BASE64URL(SHA256(ASCII(code_verifier)))`.
 *
 * @example
 * await s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk') // 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
 */
export async function s256(verifier: string): Promise<string> {
  const digest = await webCrypto().subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}
