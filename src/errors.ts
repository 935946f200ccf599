/** Stable codes callers can `switch` on; messages are for humans and may change. */
export type AuthErrorCode =
  | 'invalid_credentials'
  | 'session_expired'
  | 'network'
  | 'invalid_response'
  | 'unauthenticated';

// Registered in the global symbol registry, so the ESM and CJS builds (or two bundled copies) share it: an app
// that mixes them (jest beside ESM code, a CJS library beside an ESM app) still gets `instanceof AuthError`.
const brand = Symbol.for('keycard.AuthError');

/**
 * The one error keycard throws. `code` is stable; `cause` keeps the underlying
 * error; the message names what failed and where, never a token.
 * `instanceof AuthError` holds for an AuthError from any copy of keycard
 * (its ESM and CJS builds alike).
 *
 * @example
 * try { await auth.login({ username, password }) }
 * catch (e) { if (e instanceof AuthError && e.code === 'invalid_credentials') showWrongPassword() }
 */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  declare readonly code: AuthErrorCode;
  declare readonly status?: number;
  declare readonly cause?: unknown;

  constructor(code: AuthErrorCode, message: string, { status, cause }: { status?: number; cause?: unknown } = {}) {
    super(message);
    this.code = code;
    if (status !== undefined) this.status = status;
    if (cause !== undefined) hide(this, 'cause', cause);
  }

  /** The brand, not the prototype chain, for `AuthError` itself; a subclass keeps the ordinary check. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== AuthError) return super[Symbol.hasInstance](value);
    return peek(value, brand) === true;
  }
}
// Not a class member: the declaration files of the ESM and CJS builds would each name their own `brand` symbol, and
// their `AuthError` types would no longer be interchangeable.
Object.defineProperty(AuthError.prototype, brand, { value: true });

/**
 * `value[key]`, or undefined where reading it throws: what a custom fetch or a TokenStorage rejects with may be a Proxy
 * or have getters that throw (quoting a token), and keycard must still answer with an AuthError.
 */
const peek = (value: unknown, key: PropertyKey): unknown => {
  try {
    return (value as Record<PropertyKey, unknown> | null | undefined)?.[key];
  } catch {}
};

/** Sets `key` as the platform sets an error's `cause`: writable, configurable, not enumerable. */
const hide = (target: object, key: string, value: unknown) =>
  Object.defineProperty(target, key, { value, configurable: true, writable: true });

const matching = (value: unknown, pattern: RegExp): string | undefined =>
  typeof value === 'string' && pattern.test(value) ? value : undefined;

/**
 * A stand-in for an error that may quote a secret: V8's `SyntaxError` from `JSON.parse` quotes the body it choked
 * on, a platform `TypeError` for a bad header quotes the header (a token), a custom fetch or backend may put
 * anything in its message. Keeps what kind of error it was (its `name` and string `code`, down its own `cause`
 * chain), drops every text and every other property.
 */
export function scrubbed(error: unknown, depth = 0): Error {
  // Its kind: names like TypeError, AbortError, SyntaxError; codes like ECONNREFUSED, UND_ERR_CONNECT_TIMEOUT. Narrow
  // on purpose: a token never looks like either.
  const name = matching(peek(error, 'name'), /^[A-Z][A-Za-z]{0,40}(?:Error|Exception)$/) ?? 'Error';
  const code = matching(peek(error, 'code'), /^[A-Z][A-Z0-9_]{0,47}$/);
  const cause = peek(error, 'cause');
  const copy = new Error(`${name}${code ? ` ${code}` : ''} (text withheld)`);
  copy.name = name;
  if (code) hide(copy, 'code', code);
  if (cause !== undefined && depth < 4) hide(copy, 'cause', scrubbed(cause, depth + 1));
  return copy;
}

/** `error` if it already is an {@link AuthError}, else one with `code` and `message` that keeps it, {@link scrubbed}, as `cause`. */
export const asAuthError = (error: unknown, code: AuthErrorCode, message: string): AuthError =>
  error instanceof AuthError ? error : new AuthError(code, message, { cause: scrubbed(error) });
