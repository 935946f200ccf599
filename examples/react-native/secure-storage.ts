import * as SecureStore from 'expo-secure-store';
import type { TokenStorage } from 'keycard';

// Readable after the first unlock (so a refresh can run while the app wakes in
// the background) and never restored from a backup onto another device.
const options: SecureStore.SecureStoreOptions = { keychainAccessible: SecureStore.AFTER_FIRST_UNLOCK_THIS_DEVICE_ONLY };

/**
 * keycard's refresh token in the iOS Keychain / Android Keystore, through
 * expo-secure-store. The access token never comes here: it stays in memory.
 *
 * @example
 * const auth = createAuthClient({ baseUrl, refreshToken: secureStorage });
 */
export const secureStorage: TokenStorage = {
  get: (key) => SecureStore.getItemAsync(key, options),
  set: (key, value) => SecureStore.setItemAsync(key, value, options),
  remove: (key) => SecureStore.deleteItemAsync(key, options),
};
