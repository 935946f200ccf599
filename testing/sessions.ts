import { randomToken } from './access-tokens';

/** One sign-in: the chain of refresh tokens that rotation produces from it. */
export interface Session {
  sub: string;
  /** The only refresh token of the family that is still usable. */
  current: string;
  /** The token `current` replaced, while its reuse grace lasts (see {@link createSessions}). */
  previous: string | null;
  /** Epoch ms until which `previous` gets `current` again. */
  graceUntil: number;
  revoked: boolean;
}

/** Options of {@link createSessions}. */
export interface SessionsOptions {
  /** The server's clock, epoch ms. Default `Date.now`, read at call time. */
  now?: () => number;
  /** Seconds after a rotation during which the replaced token still gets its successor. Default 10; 0 turns the grace off. */
  reuseGrace?: number;
}

/**
 * Refresh-token families with rotation and reuse detection (OAuth 2.0
 * Security BCP §4.14.2): every refresh replaces the token, and presenting a
 * replaced one means it leaked, so the whole family is revoked.
 *
 * With one exception, the reuse grace: the token just replaced, presented
 * again within `reuseGrace` seconds while its successor was never used, gets
 * that same successor again. That is a client whose refresh response was lost
 * (app suspended or killed, network dropped) retrying, not a thief; without
 * the grace it would be signed out.
 *
 * @example
 * const sessions = createSessions();
 * const first = sessions.start('alice');
 * const next = sessions.rotate(first)!.current; // `first` is now spent
 * sessions.rotate(first)!.current;              // `next` again, within 10 s
 * sessions.rotate(next);                        // a new token: `next` is spent, `first` is now plain reuse
 * sessions.rotate(first);                       // null, and the family is revoked
 */
export function createSessions(options: SessionsOptions = {}) {
  const byToken = new Map<string, Session>();
  const now = () => (options.now ?? Date.now)();
  const grace = (options.reuseGrace ?? 10) * 1000;

  return {
    start(sub: string): string {
      const current = randomToken();
      byToken.set(current, { sub, current, previous: null, graceUntil: 0, revoked: false });
      return current;
    },

    /**
     * The session with a fresh `current` token; for the replaced token within
     * its grace, the session with `current` unchanged; null for an unknown,
     * revoked or reused token.
     */
    rotate(token: string): Session | null {
      const session = byToken.get(token);
      if (!session || session.revoked) return null;
      if (token === session.previous && now() < session.graceUntil) return session;
      if (token !== session.current) {
        session.revoked = true;
        return null;
      }
      session.previous = token;
      session.graceUntil = now() + grace;
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
