// Refresh tokens: opaque, stored only as sha256 hashes, rotated on every use.
// Each login starts a "family"; presenting a token that was already rotated
// means two parties hold it (a thief and the owner), so the whole family is
// revoked (OAuth 2.0 Security BCP, RFC 9700 §4.14.2).

import { createHash, randomBytes } from 'node:crypto';

/** @param {string} token */
const hash = (token) => createHash('sha256').update(token).digest('base64url');

/** @typedef {{ sub: string, revoked: boolean }} Family */
/** @typedef {{ family: Family, used: boolean, expiresAt: number }} Entry */

/**
 * @param {{ now: () => number, lifetime: number }} options epoch-ms clock; refresh-token lifetime in seconds
 * @example
 * const sessions = createSessionStore({ now: Date.now, lifetime: 7 * 86400 });
 * let token = sessions.start('alice');
 * const result = sessions.rotate(token); // { sub: 'alice', token: '<new>' } or { reason: 'reused' }
 */
export function createSessionStore({ now, lifetime }) {
  /** @type {Map<string, Entry>} */
  const entries = new Map();

  /** @param {Family} family */
  function mint(family) {
    const token = randomBytes(32).toString('base64url');
    entries.set(hash(token), { family, used: false, expiresAt: now() + lifetime * 1000 });
    return token;
  }

  return {
    /** Starts a new family for `sub` and returns its first refresh token. @param {string} sub */
    start(sub) {
      // Used and expired entries are only kept to detect reuse; drop them once they can't be valid.
      for (const [key, entry] of entries) if (entry.expiresAt < now()) entries.delete(key);
      return mint({ sub, revoked: false });
    },

    /**
     * Exchanges a refresh token for its successor.
     * @param {string} token
     * @returns {{ sub: string, token: string } | { reason: 'unknown' | 'expired' | 'revoked' | 'reused' }}
     */
    rotate(token) {
      const entry = entries.get(hash(token));
      if (!entry) return { reason: 'unknown' };
      if (entry.family.revoked) return { reason: 'revoked' };
      if (entry.used) {
        entry.family.revoked = true;
        return { reason: 'reused' };
      }
      if (entry.expiresAt <= now()) return { reason: 'expired' };
      entry.used = true;
      return { sub: entry.family.sub, token: mint(entry.family) };
    },

    /** Revokes the token's whole family (logout). Unknown tokens are ignored. @param {string} token */
    revoke(token) {
      const entry = entries.get(hash(token));
      if (entry) entry.family.revoked = true;
    },
  };
}
