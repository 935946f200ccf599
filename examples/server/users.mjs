// The in-memory user table. Passwords are hashed with scrypt once at start-up,
// so the running server holds no plain-text password.

import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = /** @type {(password: string, salt: Buffer, keylen: number) => Promise<Buffer>} */ (
  promisify(scrypt)
);
const KEY_LENGTH = 32;

/** @typedef {import('./index.mjs').UserRecord} UserRecord */
/** @typedef {{ sub: string, name: string, roles: string[] }} User */

/** @type {UserRecord[]} */
export const DEFAULT_USERS = [
  { username: 'alice', password: 'wonderland', name: 'Alice Liddell', roles: ['user'] },
  { username: 'bob', password: 'builder', name: 'Bob the Builder', roles: ['admin'] },
];

/**
 * Hashes every password and returns a lookup that checks credentials.
 *
 * @param {UserRecord[]} records
 * @example
 * const users = await createUserTable(DEFAULT_USERS);
 * const alice = await users.verify('alice', 'wonderland'); // { sub: 'alice', ... } or null
 */
export async function createUserTable(records) {
  /** @type {Map<string, { user: User, salt: Buffer, hash: Buffer }>} */
  const table = new Map();
  for (const { username, password, name = username, roles = [] } of records) {
    const salt = randomBytes(16);
    table.set(username, {
      user: { sub: username, name, roles },
      salt,
      hash: await scryptAsync(password, salt, KEY_LENGTH),
    });
  }
  // An unknown username still costs one scrypt, so timing doesn't tell which names exist.
  const nobody = { user: null, salt: randomBytes(16), hash: randomBytes(KEY_LENGTH) };

  return {
    /**
     * The user when the password matches, else null. Non-string input is a miss, not a crash.
     * @param {unknown} username
     * @param {unknown} password
     * @returns {Promise<User | null>}
     */
    async verify(username, password) {
      if (typeof username !== 'string' || typeof password !== 'string') return null;
      const entry = table.get(username) ?? nobody;
      const candidate = await scryptAsync(password, entry.salt, KEY_LENGTH);
      return timingSafeEqual(candidate, entry.hash) ? entry.user : null;
    },

    /** @param {string} sub @returns {User | null} */
    get(sub) {
      return table.get(sub)?.user ?? null;
    },
  };
}
