import { createAuthClient } from 'keycard';
import { secureStorage } from './secure-storage';

/**
 * Where the reference server runs. `localhost` works in the iOS simulator; the
 * Android emulator reaches the host as 10.0.2.2, and a phone needs your
 * machine's LAN address (start the server with `--host 0.0.0.0`).
 */
export const BASE_URL = process.env.EXPO_PUBLIC_AUTH_URL ?? 'http://localhost:3000';

/**
 * One client for the app. No cookie jar to trust here, so the refresh token
 * travels in JSON bodies and lives in secure storage. Cross-tab sync switches
 * itself off: React Native has no BroadcastChannel.
 */
export const auth = createAuthClient({ baseUrl: BASE_URL, refreshToken: secureStorage });
