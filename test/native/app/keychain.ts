// expo-secure-store, as the app sees it, over a fake keychain: the keychain
// is native (iOS Keychain / Android Keystore), so it is what the test fakes.
// Its contents outlive the JavaScript process, like a device's: the test
// carries them to the next launch.

declare const __DEVICE__: { keychain?: Record<string, string> };

export const keychain: Record<string, string> = { ...(__DEVICE__.keychain ?? {}) };
export const writes: Array<{ key: string; value: string | null }> = [];

export type KeychainAccessibilityConstant = number;
export interface SecureStoreOptions {
  keychainAccessible?: KeychainAccessibilityConstant;
}
export const AFTER_FIRST_UNLOCK_THIS_DEVICE_ONLY: KeychainAccessibilityConstant = 6;

export async function getItemAsync(key: string, _options?: SecureStoreOptions): Promise<string | null> {
  return keychain[key] ?? null;
}
export async function setItemAsync(key: string, value: string, _options?: SecureStoreOptions): Promise<void> {
  writes.push({ key, value });
  keychain[key] = value;
}
export async function deleteItemAsync(key: string, _options?: SecureStoreOptions): Promise<void> {
  writes.push({ key, value: null });
  delete keychain[key];
}
