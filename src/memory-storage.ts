import type { TokenStorage } from './types';

/**
 * A `TokenStorage` kept in a Map: for tests, and a template for adapters over
 * expo-secure-store or react-native-keychain. Not persistent.
 *
 * @example
 * const auth = createAuthClient({ baseUrl, refreshToken: memoryStorage() });
 */
export function memoryStorage(initial: Record<string, string> = {}): TokenStorage & { readonly size: number } {
  const map = new Map(Object.entries(initial));
  return {
    get: (key) => map.get(key) ?? null,
    set: (key, value) => void map.set(key, value),
    remove: (key) => void map.delete(key),
    get size() {
      return map.size;
    },
  };
}
