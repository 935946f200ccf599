// Refresh tokens: opaque, stored only as sha256 hashes, rotated on every use.
// Each login starts a "family"; presenting a token that was already rotated
// means two parties hold it (a thief and the owner), so the whole family is
// revoked (OAuth 2.0 Security BCP, RFC 9700 §4.14.2).
//
// Except within the reuse grace: a token rotated less than `reuseGrace`
// seconds ago, presented again while its successor was never used, gets that
// same successor back. That is a client whose refresh response was lost (app
// suspended or killed, network dropped) retrying; revoking would sign it out.
// The successor's plaintext is kept in memory for that window only.

import { createHash, randomBytes } from 'node:crypto';

/** @param {string} token */
const hash = (token) => createHash('sha256').update(token).digest('base64url');

/** @typedef {{ sub: string, revoked: boolean }} Family */
/** @typedef {{ family: Family, used: boolean, expiresAt: number, successor?: { token: string, until: number } }} Entry */

/**
 * @param {{ now: () => number, lifetime: number, reuseGrace?: number }} options epoch-ms clock; refresh-token
 *   lifetime in seconds; reuse grace in seconds (default 10, 0 turns it off)
 * @example
 * const sessions = createSessionStore({ now: Date.now, lifetime: 7 * 86400 });
 * let token = sessions.start('alice');
 * const result = sessions.rotate(token); // { sub: 'alice', token: '<new>' } or { reason: 'reused' }
 */
export function createSessionStore({ now, lifetime, reuseGrace = 10 }) {
  /** @type {Map<string, Entry>} */
  const entries = new Map();

  /** @param {Family} family */
  function mint(family) {
    const token = randomBytes(32).toString('base64url');
    entries.set(hash(token), { family, used: false, expiresAt: now() + lifetime * 1000 });
    return token;
  }

  /**
   * The successor to hand out again when `entry` is presented within its grace and the successor was never used.
   * @param {Entry} entry
   */
  function graceRetry(entry) {
    const successor = entry.successor;
    if (!successor) return null;
    const unused = entries.get(hash(successor.token))?.used === false;
    if (now() < successor.until && unused) return successor.token;
    delete entry.successor;
    return null;
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
      const retried = graceRetry(entry);
      if (retried) return { sub: entry.family.sub, token: retried };
      if (entry.used) {
        entry.family.revoked = true;
        return { reason: 'reused' };
      }
      if (entry.expiresAt <= now()) return { reason: 'expired' };
      entry.used = true;
      const successor = mint(entry.family);
      if (reuseGrace > 0) entry.successor = { token: successor, until: now() + reuseGrace * 1000 };
      return { sub: entry.family.sub, token: successor };
    },

    /** Revokes the token's whole family (logout). Unknown tokens are ignored. @param {string} token */
    revoke(token) {
      const entry = entries.get(hash(token));
      if (entry) entry.family.revoked = true;
    },
  };
}
