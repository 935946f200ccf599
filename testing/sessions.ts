import { randomToken } from './access-tokens';

/** One sign-in: the chain of refresh tokens that rotation produces from it. */
export interface Session {
  sub: string;
  /** The only refresh token of the family that is still usable. */
  current: string;
  revoked: boolean;
}

/**
 * Refresh-token families with rotation and reuse detection (OAuth 2.0
 * Security BCP §4.14.2): every refresh replaces the token, and presenting a
 * replaced one means it leaked, so the whole family is revoked.
 *
 * @example
 * const sessions = createSessions();
 * const first = sessions.start('alice');
 * const next = sessions.rotate(first)!.current; // `first` is now spent
 * sessions.rotate(first);                       // null, and `next` is revoked too
 */
export function createSessions() {
  const byToken = new Map<string, Session>();

  return {
    start(sub: string): string {
      const current = randomToken();
      byToken.set(current, { sub, current, revoked: false });
      return current;
    },

    /** The session with a fresh `current` token, or null for an unknown, revoked or reused token. */
    rotate(token: string): Session | null {
      const session = byToken.get(token);
      if (!session || session.revoked) return null;
      if (token !== session.current) {
        session.revoked = true;
        return null;
      }
      session.current = randomToken();
      byToken.set(session.current, session);
      return session;
    },

    /** Revokes the family `token` belongs to (logout). */
    end(token: string): void {
      const session = byToken.get(token);
      if (session) session.revoked = true;
    },

    /** Revokes every family, or only `sub`'s. */
    revokeAll(sub?: string): void {
      for (const session of byToken.values()) if (sub === undefined || session.sub === sub) session.revoked = true;
    },

    clear(): void {
      byToken.clear();
    },
  };
}
