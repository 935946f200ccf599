/** Stable codes callers can `switch` on; messages are for humans and may change. */
export type AuthErrorCode =
  | 'invalid_credentials'
  | 'session_expired'
  | 'network'
  | 'invalid_response'
  | 'unauthenticated';

/**
 * The one error keycard throws. `code` is stable; `cause` keeps the underlying
 * error; the message names what failed and where, never a token.
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
}

/** True for an {@link AuthError}, also across bundles that each carry a copy of the class. */
export function isAuthErrorLike(error: unknown): error is AuthError {
  return error instanceof AuthError || (error instanceof Error && error.name === 'AuthError' && typeof (error as AuthError).code === 'string');
}

/** `error` if it already is an {@link AuthError}, else one with `code` and `message` that keeps it as `cause`. */
export const asAuthError = (error: unknown, code: AuthErrorCode, message: string): AuthError =>
  error instanceof AuthError ? error : new AuthError(code, message, { cause: error });
