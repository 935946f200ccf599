import type { Tokens } from './tokens';

/**
 * What one tab knows of the session. It changes only through {@link decide}: every rule about which news wins (a
 * logout over a login called before it, newer tokens over older, a refusal of the session this tab holds) is in
 * that one pure function, and `test/session.test.ts` reads like its rule list.
 *
 * Stamps (`at`, `loginAt`, `outAt`) are on the tabs' shared logical clock ({@link createClock}), never compared
 * with a clock another tab read.
 */
export interface Session {
  readonly tokens: Tokens | null;
  /** When what this tab knows (its tokens, or that the session ended) was decided. */
  readonly at: number;
  /** When the login() that began this session was called (here or in the tab that told us). */
  readonly loginAt: number;
  /** Names the session: when its login was decided (in the lane, so later sessions have later names). */
  readonly sid: number;
  /** When the user last logged out (here or in a tab that told us). */
  readonly outAt: number;
  /** The user logged out, and nobody logged in since: only a login signs this tab in again. */
  readonly out: boolean;
  /** Bumped by a login and by the user's logout: work begun before either belongs to a session that is gone. */
  readonly epoch: number;
}

export const START: Session = {
  tokens: null,
  at: -Infinity,
  loginAt: -Infinity,
  sid: -Infinity,
  outAt: -Infinity,
  out: false,
  epoch: 0,
};

/** The news a tab decides on: from another tab (`tab: true`), or the outcome of its own login, refresh or logout. */
export type News =
  /** `session`: the sender's `sid`; `login`: these tokens began it, and its login() was called then. */
  | { type: 'tokens'; tab: true; tokens: Tokens; at: number; session: number; login?: number }
  | { type: 'logout'; tab: true; at: number; expired: boolean; session: number }
  | { type: 'login'; tokens: Tokens; at: number; calledAt: number }
  | { type: 'refreshed'; tokens: Tokens; at: number; epoch: number }
  /** `asked`: a credential went out (else none was held). `sid`: the session's at the refresh's start. */
  | { type: 'refused'; at: number; epoch: number; sid: number; from: Tokens | null; asked: boolean; cookie: boolean }
  | { type: 'logout'; tab?: false; at: number };

/**
 * What to do: `adopt` the session's tokens, `end` it (the server ended it), `logout` (the user did; `tell`: the
 * server may not know yet), `verify` (ask the server: two tabs' news cannot be ordered), or nothing.
 */
export type Effect = 'adopt' | 'end' | 'logout' | 'verify' | null;

export interface Decision {
  session: Session;
  effect: Effect;
  /** Which rule decided: its id in the comments below, in test/session.test.ts and in test/RESILIENCE.md. */
  rule: string;
  tell?: boolean;
}

const max = Math.max;

/**
 * The ordering rules, first match wins. Pure: the caller applies the effect (state, events, timers, messages).
 * `memory`: the refresh token lives in each tab's memory and travels by message.
 */
export function decide(s: Session, news: News, memory = false): Decision {
  const is = (rule: string, session: Session, effect: Effect = null, tell?: boolean): Decision => ({
    session,
    effect,
    rule,
    tell,
  });
  const loggedOut = (at: number): Session => ({
    ...s,
    tokens: null,
    at: max(s.at, at),
    outAt: max(s.outAt, at),
    out: true,
    epoch: s.epoch + 1,
  });
  const adopted = (tokens: Tokens, at: number, loginAt = s.loginAt, sid = s.sid, epoch = s.epoch): Session => ({
    tokens,
    at: max(s.at, at),
    loginAt,
    sid,
    outAt: s.outAt,
    out: false,
    epoch,
  });
  const { at } = news;
  switch (news.type) {
    case 'logout':
      // L1: the user's logout here ends the session and voids whatever this tab has in flight.
      if (!news.tab) return is('L1', loggedOut(at), 'logout');
      if (!news.expired) {
        // T1: only a login called after a logout survives it (its request queued behind the logout's).
        if (at < s.loginAt) return is('T1', s);
        // T9: no newer than the latest logout this tab knows: old news (a logout's server call letting the lane go
        // repeats its logout for tabs opened after its message; most tabs heard that message first).
        if (at <= s.outAt) return is('T9', s);
        // T2: it beats everything else, even a refresh begun after it in a tab that had not heard. Tokens decided
        // after it here (or, in memory mode, any: the tab that logged out may not have held the refresh token yet)
        // are news to the server too.
        return is('T2', loggedOut(at), 'logout', s.tokens !== null && (s.at > at || memory));
      }
      // T3: older news than ours (a refusal from before a login here), or in memory mode news of another session than
      // the one this tab holds (that tab refused a refresh token this tab does not hold).
      if (memory ? s.tokens !== null && news.session !== s.sid : at < s.at) return is('T3', s);
      // T4: nothing to end here, but remember it: a login message older than this refusal is stale, and in memory
      // mode so are that session's tokens stamped before it (a tab that has not heard yet may hand them over).
      if (!s.tokens) return is('T4', { ...s, at: max(s.at, at), sid: memory ? max(s.sid, news.session) : s.sid });
      // T5: equal stamps can't be ordered: ask the server rather than end a session that may be new.
      if (at === s.at) return is('T5', s, 'verify');
      return is('T6', { ...s, tokens: null, at }, 'end');
    case 'tokens':
      // T3: older news than ours. In memory mode a newer session is never stale: this tab may have decided about
      // the older one later (a refusal of its refresh token) without having heard of the new one.
      if (memory ? news.session < s.sid || (news.session === s.sid && at < s.at) : at < s.at) return is('T3', s);
      // T7: after the user's logout only a login called since signs this tab in again.
      if (news.login === undefined ? s.out : news.login <= s.outAt) return is('T7', s);
      return is('T8', adopted(news.tokens, at, news.login, news.session), 'adopt');
    case 'login':
      // L2: the user logged out after this login was called: it must not sign anybody in.
      if (news.calledAt <= s.outAt) return is('L2', s);
      return is('L3', adopted(news.tokens, at, news.calledAt, at, s.epoch + 1), 'adopt');
    case 'refreshed':
      // L4: a login or logout happened meanwhile: this answer belongs to a session that is gone.
      if (news.epoch !== s.epoch) return is('L4', s);
      return is('L5', adopted(news.tokens, at), 'adopt');
    case 'refused':
      if (news.epoch !== s.epoch) return is('L4', s);
      // L6: nothing was asked (no refresh token held) and a session arrived meanwhile (a tab's hand-over): keep it.
      if (!news.asked && s.tokens !== news.from) return is('L6', s);
      // L7: the refresh token sent was the old session's, and another tab's login began a new one meanwhile. Not in
      // cookie mode: there the browser sent the cookie the lock holder before us left, the newest session's.
      if (!news.cookie && s.tokens && s.sid !== news.sid) return is('L7', s);
      // L8: refused (or the server has no session). Finding no refresh token decides nothing for the other tabs:
      // a hand-over still on its way is not older than it.
      return is('L8', { ...s, tokens: null, at: news.asked ? max(s.at, at) : s.at }, 'end');
  }
}

/**
 * A stamp another tab may have sent: a finite number before 2^42 ms (the year 2109). Past it a clock's 0.001 ms steps
 * are lost to rounding, so a tab that heard one would stamp everything after it the same, and a logout stamped there
 * would outrank every login after it, until a reload (a rogue or broken sender: no clock reads that far).
 */
export const stamped = (at: unknown): at is number => Number.isFinite(at) && (at as number) < 2 ** 42;

/**
 * A logical clock for ordering news across tabs without trusting their clocks (a laptop's sleep pauses one tab's
 * monotonic clock for hours; wall clocks are set back). Stamps are this tab's clock plus the largest lead any
 * message showed: every message carries its sender's stamp, and a receiver's next stamp is later than anything it
 * heard (a hybrid logical clock). Strictly increasing, even on a frozen clock.
 *
 * @example
 * const clock = createClock(); const at = clock.now(); clock.heard(message.at);
 */
export function createClock(
  read: () => number = () =>
    typeof performance !== 'undefined' && performance.timeOrigin
      ? performance.timeOrigin + performance.now()
      : Date.now(),
) {
  let offset = 0;
  let last = -Infinity;
  return {
    now: (): number => {
      const t = read() + offset;
      return (last = t > last ? t : last + 0.001);
    },
    heard(at: unknown): void {
      if (!stamped(at) || !(at > last)) return;
      offset = max(offset, at - read());
      last = at;
    },
  };
}
export type Clock = ReturnType<typeof createClock>;
