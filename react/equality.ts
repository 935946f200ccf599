// Claims a refresh changes while the signed-in user stays the same.
const VOLATILE_CLAIMS = new Set(['iat', 'exp', 'nbf', 'jti']);

// Not Object.hasOwn: older Hermes (React Native) lacks it.
const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function jsonEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every(
    (k) => has(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

/**
 * Whether two decoded claim sets describe the same user: every claim equal
 * (deeply: claims are JSON, and `aud` or `roles` arrays are new arrays on
 * every decode) except `iat`, `exp`, `nbf` and `jti`, which every refresh
 * changes. This is the rule `useAuth()` uses to decide whether `user` changed.
 *
 * @example
 * // re-renders only when the user changes, like useAuth().user
 * const user = useAuthState((s) => s.user, sameUser);
 */
export function sameUser(a: Record<string, unknown> | null, b: Record<string, unknown> | null): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const keysA = Object.keys(a).filter((k) => !VOLATILE_CLAIMS.has(k));
  const keysB = Object.keys(b).filter((k) => !VOLATILE_CLAIMS.has(k));
  return keysA.length === keysB.length && keysA.every((k) => has(b, k) && jsonEqual(a[k], b[k]));
}
