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
  readonly code: AuthErrorCode;
  declare readonly status?: number;
  declare readonly cause?: unknown;

  constructor(code: AuthErrorCode, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message);
    this.code = code;
    if (options.status !== undefined) this.status = options.status;
    if (options.cause !== undefined) Object.defineProperty(this, 'cause', { value: options.cause, configurable: true, writable: true });
  }

  /** The brand, not the prototype chain, for `AuthError` itself; a subclass keeps the ordinary check. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== AuthError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as { [brand]?: unknown })[brand] === true;
  }
}
Object.defineProperty(AuthError.prototype, brand, { value: true });

/** `error` if it already is an {@link AuthError}, else one with `code` and `message` that keeps it as `cause`. */
export const asAuthError = (error: unknown, code: AuthErrorCode, message: string): AuthError =>
  error instanceof AuthError ? error : new AuthError(code, message, { cause: error });
