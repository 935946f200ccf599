import * as Keychain from 'react-native-keychain';
import type { TokenStorage } from 'keycard';

// One Keychain / Keystore entry per key (the `service`), readable after the
// first unlock (so a refresh can run while the app wakes in the background),
// never synced to another device.
const options = (key: string): Keychain.SetOptions => ({
  service: key,
  accessible: Keychain.ACCESSIBLE.AFTER_FIRST_UNLOCK_THIS_DEVICE_ONLY,
});

/**
 * keycard's refresh token in the iOS Keychain / Android Keystore, through
 * react-native-keychain (bare React Native, no Expo). The access token never
 * comes here: it stays in memory.
 *
 * @example
 * const auth = createAuthClient({ baseUrl, refreshToken: keychainStorage });
 */
export const keychainStorage: TokenStorage = {
  async get(key) {
    const found = await Keychain.getGenericPassword({ service: key });
    return found ? found.password : null;
  },
  async set(key, value) {
    // react-native-keychain stores a username/password pair; the username is unused.
    await Keychain.setGenericPassword('keycard', value, options(key));
  },
  async remove(key) {
    await Keychain.resetGenericPassword({ service: key });
  },
};
