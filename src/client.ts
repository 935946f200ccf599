import type { AuthClient, AuthClientOptions, AuthEvent, AuthState, RefreshTrigger } from './types';
import { AuthError } from './errors';
import { batch, createEmitter } from './emitter';
import { createStore } from './store';
import { expiresAt, handedBack, refreshAt, type Tokens } from './tokens';
import { createJsonBackend, type JsonBackendOptions } from './backend';
import { createRefreshTokenStore } from './storage';
import { absolute, createOriginPolicy } from './origins';
import { createTabs, type TabMessage } from './tabs';
import { createAuthFetch } from './fetch';
import { OK, createFlight, type Attempt } from './refresh';
import { classify, type Verdict } from './reply';
import { START, createClock, decide, stamped, type Decision, type News } from './session';
import { MIN_REFRESH_GAP_MS, pause } from './scheduler';
import { onWake } from './env';
import { channelFor } from './channel';

// How long a timer's refresh that queued behind another tab's waits for that tab's news before refreshing itself.
const SETTLE_MS = 1000;
// Made when needed: no error (and its stack) built at module load.
const disposed = (): Attempt => ({
  ok: false,
  ended: false,
  error: new AuthError('network', 'the auth client was disposed'),
});

/**
 * Creates the auth client: it logs in, keeps the access token in memory,
 * refreshes it before it expires, replays 401s through one shared refresh and
 * keeps tabs in step. This file wires the modules: the session record and its
 * rules (session.ts), the lane and the channel (tabs.ts), the flight
 * (refresh.ts), the reply classifier (reply.ts) and `auth.fetch` (fetch.ts).
 *
 * @example
 * const auth = createAuthClient({ baseUrl: 'https://auth.example.com' });
 * await auth.restore();
 * const res = await auth.fetch('https://auth.example.com/api/me');
 */
export function createAuthClient(options: AuthClientOptions): AuthClient {
  if (!options || typeof options.baseUrl !== 'string')
    throw new TypeError('keycard: createAuthClient needs options.baseUrl, a URL string');
  // NaN (what Number() of an unset environment variable gives) would make every token due at once: refused.
  const msOf = (name: 'refreshLeadTime' | 'timeout', fallback: number): number => {
    const value = options[name] ?? fallback;
    if (value !== +value) throw new TypeError(`keycard: ${name} must be a number of seconds`); // NaN, '60', {}: not one
    return value * 1000;
  };
  const leadMs = Math.max(0, msOf('refreshLeadTime', 60));
  // At most setTimeout's limit: a longer delay (Infinity too) fires at once, and would time out every request.
  const timeoutMs = Math.min(Math.max(1, msOf('timeout', 10)), 2 ** 31 - 1);
  const getFetch = () => options.fetch ?? globalThis.fetch;
  const allowed = createOriginPolicy(options.apiOrigins, options.baseUrl);
  const refreshTokens = createRefreshTokenStore(options.refreshToken, options.storageKey, timeoutMs);
  const cookie = refreshTokens.mode === 'cookie';
  const memory = refreshTokens.mode === 'memory';
  const backendOptions: JsonBackendOptions = {
    baseUrl: options.baseUrl,
    endpoints: options.endpoints,
    cookie,
    fetch: getFetch,
    timeoutMs,
  };
  const backend =
    typeof options.backend === 'function'
      ? options.backend(backendOptions)
      : (options.backend ?? createJsonBackend(backendOptions));
  if (
    typeof backend?.login !== 'function' ||
    typeof backend.refresh !== 'function' ||
    typeof backend.logout !== 'function'
  ) {
    throw new TypeError('keycard: options.backend must be an AuthBackend or a function returning one');
  }

  const store = createStore({ status: 'initializing', user: null, expiresAt: null, error: null });
  const events = createEmitter<AuthEvent>();
  const lifetime = new AbortController(); // aborted by dispose(): cancels in-flight auth requests
  const gone = () => lifetime.signal.aborted;
  // A test may give each tab its own clock (the model's skewed-clock variant; tabs never trust each other's) and
  // its own view of the lock manager (the model's tabs share one, and it tells them apart as a browser does).
  const seams = options as { clock?: () => number; locks?: Parameters<typeof createTabs>[4] };
  const clock = createClock(seams.clock);
  let s = START;
  let handed: (() => void) | undefined; // ends a wait for another tab's hand-over
  let outHere = -Infinity; // this tab's latest logout (its stamp)
  let calling = 0; // the user's logouts here whose server call has not had its turn in the lane yet
  // Re-stamps the latest user's logout here, whose server call's release then names the new stamp (rules N2, N4).
  let restamp = (at: number) => at;
  let asking: Promise<void> | undefined; // memory mode, the page shown again: the open tabs' answer (askTabs)
  // Says the user's logout here again, stamped after all this tab has heard (rules N3, N4 in onTabMessage).
  const sayAgain = () => tabs.post({ type: 'logout', at: restamp(clock.now()), expired: false, session: s.sid });

  const publish = (status: AuthState['status'], error: AuthError | null = null) =>
    store.set({ status, user: s.tokens?.claims ?? null, expiresAt: s.tokens ? expiresAt(s.tokens) : null, error });
  // Never sooner than a second after the token arrived, even one that arrives expired (a login answered after a
  // device sleep): another tab's refresh of it may be on its way, and in memory mode refreshing first would spend a
  // rotated-away refresh token (model seeds 1518300343, 1661908396). The flight's gap only spaces refresh requests.
  // Tokens no refresh token can renew (a server that issues none) serve until they expire, not until they fall due.
  let lasting: Tokens | undefined;
  const dueAt = (t: Tokens) =>
    t === lasting || t.lifetime === null
      ? expiresAt(t)
      : Math.max(refreshAt(t, leadMs) as number, t.receivedAt + MIN_REFRESH_GAP_MS);
  const isDue = (t: Tokens) => (dueAt(t) ?? Infinity) <= Date.now();

  // Named after the session (the refresh endpoint, and where its refresh token lives), so clients of different
  // backends never adopt each other's tokens, nor a cookie-mode tab a memory-mode login's, which it couldn't refresh.
  const tabs = createTabs(
    channelFor(options.channel, (cookie ? '' : `${refreshTokens.mode} `) + (backend.session ?? options.baseUrl)),
    // A lane task is one request, and with a TokenStorage a read and a write too, each bounded by the timeout.
    (refreshTokens.mode === 'storage' ? 3 : 1) * timeoutMs + 5000,
    clock,
    onTabMessage,
    seams.locks,
  );
  const flight = createFlight(
    attempt,
    (error, trigger, retryAt) => {
      // A restore that can't reach the server settles the app as signed out; the retry may still sign it in.
      batch(() => {
        if (store.get().status === 'initializing') publish('unauthenticated', error);
        events.emit({ type: 'refresh_failed', trigger, error, retryAt });
      });
    },
    lifetime.signal,
  );

  /** Applies a decision of the session rules: the record, then state, events, timers and messages. */
  function apply(d: Decision, how: RefreshTrigger | 'login' | 'tab', error?: AuthError | null): void {
    if (gone()) return;
    // Listeners hear of it once it is all done: one that logs out must find the record, timers and messages settled.
    batch(() => {
      const before = s;
      const authed = store.get().status === 'authenticated';
      const had = before.tokens !== null || authed;
      s = d.session;
      const tab = how === 'tab';
      if (d.effect === 'verify') return void flight.run('wake');
      if (d.effect === 'adopt') {
        handed?.();
        const next = s.tokens as Tokens;
        const due = dueAt(next);
        // Where no lock orders the tabs' refreshes, tokens another tab handed over fall due here a little later (that
        // tab refreshes them on time, and its news usually lands first); tokens this tab got itself, exactly on time.
        flight.reset(due === null ? null : due + (tab ? tabs.jitter(next.lifetime as number) : 0), tab);
        publish('authenticated');
        if (how === 'login' || (tab && !authed)) events.emit({ type: 'login', user: next.claims, fromTab: tab });
        else events.emit({ type: 'refresh', trigger: how as RefreshTrigger | 'tab', expiresAt: expiresAt(next) });
        if (!tab)
          tabs.post({
            type: 'tokens',
            at: s.at,
            session: s.sid,
            login: how === 'login' ? s.loginAt : undefined,
            tokens: { ...next, refreshToken: memory ? next.refreshToken : undefined },
          });
        return;
      }
      if (!d.effect) return;
      const user = d.effect === 'logout';
      flight.stop();
      publish('unauthenticated', error);
      // A user's logout is news even without a session here: whatever the app cached for the last user must go.
      if (had || user) events.emit({ type: 'logout', reason: tab ? 'tab' : user ? 'user' : 'session_expired' });
      // News even from a tab that had no session yet: the tabs share one credential (a restore's refusal, a logout).
      // News from a tab is passed on as it was stamped (T2/T6 took it: it was news here), for tabs opened after it was
      // posted, which a tab that had not heard it yet may have handed the session (fix 45). Tabs that heard it drop the
      // copy (T9, T3, T4), so each tab passes a piece of news on at most once.
      if (tab || had || user || error)
        tabs.post({ type: 'logout', at: user ? s.outAt : s.at, expired: !user, session: before.sid });
    });
  }

  function onTabMessage(message: TabMessage): void {
    if (gone()) return;
    if (message.type === 'sync') return answerSync();
    // A tab kept a session through a user's logout stamped before its login (T1), while the user's logout here still
    // waits for (or holds) its server call's place in the lane: that session's login had its turn first, so was called
    // first, and the logout supersedes it whatever the clocks say (a clock that stood still, before this tab heard of
    // the session). Say it again, stamped after that tab's news (rule N4).
    if (message.type === 'kept') return void (calling && tabs.ordered() && sayAgain());
    // Stamps a clock can reach (`stamped`): news stamped Infinity would outrank every login (or logout) after it, until
    // a reload; a session may be -Infinity (a tab that had none). News only of a kind this version knows (another
    // version of keycard may be open in another tab).
    const login = message.type === 'tokens' ? message.login : undefined;
    if (!stamped(message.at) || !(stamped(message.session) || message.session === -Infinity)) return;
    if (message.type !== 'tokens' && message.type !== 'logout') return;
    if (login !== undefined && !stamped(login)) return;
    const shared = message.type === 'tokens' ? message.tokens : undefined;
    // Tokens shaped as this version shapes them: nothing that would put NaN in the state or a non-string on the wire.
    if (
      message.type === 'tokens' &&
      !(
        typeof shared?.accessToken === 'string' &&
        Number.isFinite(shared.receivedAt) &&
        (shared.lifetime === null || Number.isFinite(shared.lifetime)) &&
        typeof shared.claims === 'object' &&
        (shared.refreshToken === undefined || typeof shared.refreshToken === 'string')
      )
    )
      return;
    // The tokens this tab holds, again (a tab answering a new tab's sync): not news for the app, the timers or a refresh
    // queued here (it would take them for new ones, and ask nothing: fix 46). Only their refresh token, which a tab
    // handed them by a refresh that rotated none may lack.
    if (shared && shared.accessToken === s.tokens?.accessToken)
      return void (memory && shared.refreshToken && refreshTokens.set(shared.refreshToken));
    const d = decide(s, { ...message, tab: true, tokens: { ...shared, refreshToken: undefined } } as News, memory);
    // A login's news, which the stamps say is after this tab's logout, while that logout's call still waits in the
    // lane: that login went first, so it was called before the logout, which supersedes it (rule N3; the stamps were
    // wrong: a clock that stood still). Adopt nothing; say it again, stamped after that news, so the login's tab signs
    // out too, and end that session at the server (the logout's call may have gone out before the login's cookie).
    if (d.effect === 'adopt' && s.out && calling && tabs.ordered()) {
      sayAgain();
      return void tellServer(Promise.resolve(shared?.refreshToken));
    }
    // A user's logout this tab's session outlived by the stamps alone: ask the logout's tab whether its server call has
    // had its turn yet (rule N4).
    if (d.rule === 'T1' && s.tokens) tabs.post({ type: 'kept', at: clock.now() });
    // The refresh token this tab knew, for T2's `tell`; never one another tab stored since (a shared TokenStorage).
    const dropped = d.effect === 'end' || d.effect === 'logout' ? refreshTokens.drop() : undefined;
    if (d.effect === 'adopt') refreshTokens.adopt(shared?.refreshToken);
    apply(d, 'tab', d.effect === 'end' ? new AuthError('session_expired', 'the session ended in another tab') : null);
    if (d.tell) tellServer(dropped as Promise<string | null | undefined>);
  }

  /**
   * A new tab in memory mode has no refresh token of its own: hand it ours, once the lane is empty (not a refresh
   * token about to be rotated away); the tokens, their stamp and the refresh token read must be one session's.
   */
  function answerSync(): void {
    if (gone() || !memory) return;
    const busy = tabs.busy();
    if (busy) return void busy.then(answerSync);
    const { tokens, at, sid } = s;
    if (tokens) {
      void refreshTokens.get().then((refreshToken) => {
        if (s.tokens === tokens)
          tabs.post({
            type: 'tokens',
            at,
            session: sid,
            tokens: { ...tokens, refreshToken: refreshToken ?? undefined },
          });
      });
    }
  }

  /**
   * Best effort, sent at once (never behind a refresh that may hang), and holding a place in the lane until
   * answered: a login (in any tab) queues behind it, so its late `Set-Cookie: …; Max-Age=0` can't wipe the new
   * session's cookie. Called just after the logout was decided. The release of the user's logout here (`own`) names
   * that logout (`s.outAt`, or the stamp it was said again at while its call waited: rules N2, T9, N4); a call for
   * another tab's logout (T2's `tell`, N3) asks for the lane when it hears of it, possibly after a later login's turn,
   * so its release names nothing (three-tab model, fix 38).
   */
  function tellServer(refreshToken: Promise<string | null | undefined>, own?: boolean): Promise<unknown> {
    const told = refreshToken.then((token) => backend.logout(token ?? undefined, lifetime.signal)).catch(() => {});
    let out = s.outAt;
    const place = tabs.lane(() => told, own ? () => out : undefined);
    // The user's logout here (`own`), until its place in the lane has come and gone: see rule N3 in onTabMessage.
    if (own) {
      restamp = (at) => (out = at);
      const done = () => calling--;
      calling++;
      void place.then(done, done);
    }
    return told;
  }

  /** Ends at the server a session whose tokens came after the user's logout (best effort: failures ignored). */
  const endAtServer = (t: Tokens) =>
    backend.logout(cookie ? undefined : t.refreshToken, lifetime.signal).catch(() => {});

  /** One refresh, in the lane once `gap` is over (see createFlight). */
  function attempt(trigger: RefreshTrigger, joined: () => boolean, gap?: Promise<void>): Promise<Attempt> {
    const { tokens: from, epoch } = s;
    // Without a gap it queues in the lane at once: its place follows call order.
    const go = () =>
      tabs.lane(async function task(waited, again = true): Promise<Attempt> {
        // A login here or another tab delivered tokens while this one queued (the lane waited to hear that tab): nothing
        // left to do, unless those are due too (a new tab's sync can hand over a token that expired while the device slept).
        const delivered = () => s.tokens !== from && s.tokens !== null && !isDue(s.tokens);
        // The user logged out since this one was asked for: ask nothing (a refresh now would renew what they left).
        const out = () => s.epoch !== epoch && !s.tokens;
        const left: Attempt = { ok: false, ended: true, error: null };
        if (gone()) return disposed();
        if (delivered()) return OK;
        if (out()) return left;
        // Another tab held the lane, most likely refreshing these same tokens, and its broadcast may still be on its
        // way. Nobody waits on a timer's refresh and the token is still good: look again shortly rather than spend
        // the refresh token twice. The broadcast, when it lands, re-aims the timer.
        const life = from && expiresAt(from) ? (expiresAt(from) as number) - Date.now() : 0;
        if (waited && !joined() && s.tokens === from && (trigger === 'timer' || trigger === 'wake') && life > 100)
          return { ok: true, later: Math.min(SETTLE_MS, life / 4) };
        let start = s;
        const at = clock.now();
        // A TokenStorage that failed to read (locked, slow) with no token to stand in: retried like a network failure.
        let failed: AuthError | undefined;
        const read = () => refreshTokens.get().catch((error: AuthError) => ((failed = error), null));
        let token = cookie ? undefined : await read();
        // Memory mode, no refresh token yet, after another tab held the lane: that tab answers a new tab's sync once
        // its lane is empty, i.e. just after its release. Give the hand-over a moment.
        if (token === null && memory && waited && !gone()) await pause(SETTLE_MS / 10, (stop) => (handed = stop));
        // A hand-over landed meanwhile: nothing to do, or use its refresh token.
        if (token === null && s.tokens !== start.tokens && !out()) {
          if (delivered()) return OK;
          start = s; // the session handed over is the one this refresh is about
          failed = undefined;
          token = await read();
        }
        // Or during a TokenStorage read (seed 20261128, history 93,752 of the locked-keychain variant, fix 52).
        if (out()) return left;
        const asked = token !== null;
        // No refresh token, and nothing says these tokens are dead (a 401 does; a page back from the back-forward
        // cache may find that another tab's logout emptied the TokenStorage): they serve until they expire.
        const until = start.tokens ? (expiresAt(start.tokens) ?? Infinity) : 0;
        if (
          !asked &&
          !failed &&
          until > Date.now() &&
          s.tokens === start.tokens &&
          trigger !== '401' &&
          trigger !== 'restore'
        ) {
          lasting = start.tokens as Tokens;
          return until < Infinity ? { ok: true, later: until - Date.now() } : OK;
        }
        if (asked) flight.sent();
        const verdict: Verdict = failed
          ? { error: failed }
          : asked
            ? await classify(backend.refresh(token as string | undefined, lifetime.signal), backend, 'refresh')
            : { none: start.tokens && new AuthError('session_expired', 'no refresh token to renew it') };
        if (gone()) return disposed();
        if ('tokens' in verdict) {
          const next = handedBack(verdict.tokens, start.tokens);
          // Store the rotated refresh token before the lane moves on, so the next tab reads it.
          if (s.epoch === start.epoch && !cookie && next.refreshToken) await refreshTokens.set(next.refreshToken);
          apply(decide(s, { type: 'refreshed', tokens: next, at, epoch: start.epoch }), trigger);
          // The user logged out while it was in flight, and nobody logged in since: the logout's call named the refresh
          // token this answer rotated away (or, in cookie mode, went before the cookie it set), so end the session it
          // carries, in this turn of the lane (a login queued behind keeps its own), as a superseded login does.
          if (s.out && s.epoch !== start.epoch && (cookie || next.refreshToken)) await endAtServer(next);
          // Expired by the time it was stored (the device slept, or its clock jumped, while a TokenStorage wrote the
          // rotated refresh token): refresh once more, in this turn of the lane, rather than hand it out (fix 49).
          // Expired again: a storage slower than the token lives is a transient failure, retried with backoff, not a
          // loop; nobody waiting takes the expired token for a fresh one (fix 54).
          if (s.tokens !== next || Date.now() < (expiresAt(next) ?? Infinity)) return OK;
          return again
            ? task(false, false)
            : {
                ok: false,
                ended: false,
                error: new AuthError('network', 'token expired while stored'),
                retryAfter: 0,
              };
        }
        if ('none' in verdict) {
          const d = decide(s, {
            type: 'refused',
            at,
            epoch: start.epoch,
            sid: start.sid,
            from: start.tokens,
            asked,
            cookie,
          });
          // Kept (a session that arrived meanwhile, L6/L7): if its tokens are due too (news held up by a device sleep),
          // refresh them now, with its refresh token, rather than hand out an expired one (model, skewed clocks,
          // history 16,295 of the fixed seed).
          if (!d.effect)
            return s.tokens ? (isDue(s.tokens) ? task(false) : OK) : { ok: false, ended: true, error: verdict.none };
          // Cleared at once, with the decision: a hand-over landing meanwhile must not be wiped.
          const cleared = refreshTokens.set(null);
          apply(d, trigger, verdict.none);
          await cleared;
          return { ok: false, ended: true, error: verdict.none };
        }
        // A login or logout meanwhile: no retry for a session that is gone.
        return {
          ok: false,
          ended: false,
          error: verdict.error,
          retryAfter: s.epoch === start.epoch ? (verdict.retryAfter ?? 0) : undefined,
        };
      });
    // Memory mode, the page shown again (back from the back-forward cache, say): the open tabs answer first (askTabs).
    const ready = asking ? asking.then(() => gap) : gap;
    return ready ? ready.then(go) : go();
  }

  /** The token to send now, or undefined when the caller must wait (a refresh is due or running). */
  function tokenNow(): string | null | undefined {
    if (flight.running()) return undefined;
    if (!s.tokens) return null;
    return isDue(s.tokens) ? undefined : s.tokens.accessToken;
  }

  // Callers join a refresh in flight through `flight.run`, never by awaiting `running()`: joining is what tells it
  // someone waits, so a timer's refresh queued behind another tab is not put off.
  async function waitForToken(): Promise<string | null> {
    if (s.tokens || flight.running()) await flight.run('due');
    return s.tokens?.accessToken ?? null;
  }

  async function tokenAfter401(used: string, mayRefresh: boolean): Promise<string | null> {
    // Another request's refresh may already have replaced the token this one was sent with (unless that one is
    // due by now too: a slow response can outlive it, e.g. across a device sleep).
    const now = tokenNow();
    if (now && now !== used) return now;
    // Signed out since it was sent (the user's logout, the session's end): its 401 is the answer. A refresh would sign
    // the user back in where a failed logout call left the session alive (cookie mode: the browser still holds its
    // cookie), which only a login or the app's own restore() or refresh() may do.
    if (now === null) return null;
    // A request that already waited for a refresh before it was sent starts no second one (API.md: a request never
    // triggers more than one refresh): it joins one in flight, else is replayed once as it is while that token is
    // still good (it is new; an API that hasn't caught up with it yet, e.g. a new signing key, may take it now).
    if (!mayRefresh && !flight.running()) return now ?? null; // `used`, or null (none or due)
    const outcome = await flight.run('401');
    return outcome.ok ? (s.tokens?.accessToken ?? null) : null;
  }

  const authFetch = createAuthFetch({
    fetch: getFetch,
    allowed,
    tokenNow,
    waitForToken,
    tokenAfter401,
    onReplay: (method, url) => events.emit({ type: 'replay', method, url }),
    absolute: (input) => absolute(input, options.baseUrl),
  });

  // Back from the back-forward cache, where the page heard no tab: WebKit keeps it there through channel messages and
  // drops them (Chromium and Firefox evict it instead), so another tab's logout may have ended this session. Ask
  // again, as the page's load did, before a request goes out with its token (requests wait for the refresh). The
  // cookie jar or a TokenStorage holds the current refresh token; in memory mode only the open tabs do (a refresh
  // in one may have rotated ours away, and spending it would end the session in every tab), so ask them: for the
  // session, and for the latest logout whose server call let the lane go, which ends ours if it came after it.
  // A refresh meanwhile waits for their answers (an open tab answers the sync before the ping): WebKit shows the page
  // (visibilitychange, which refreshes a due token) before pageshow, so memory mode asks whenever the page is shown.
  async function askTabs(): Promise<void> {
    tabs.post({ type: 'sync', at: clock.now() });
    await (asking = tabs.ask().finally(() => (asking = undefined)));
    const out = tabs.cleared();
    if (s.tokens && out > s.at) onTabMessage({ type: 'logout', at: out, expired: false, session: out });
  }
  const stopWake = onWake(
    () => (memory && !asking && askTabs(), client.resume()),
    () => (memory ? asking || askTabs() : flight.run('restore')),
  );

  const client: AuthClient = {
    getState: store.get,
    subscribe: store.subscribe,
    onEvent: events.on,

    async restore() {
      if (store.get().status === 'authenticated' && tokenNow() !== undefined) return store.get();
      if (memory && !s.tokens) tabs.post({ type: 'sync', at: clock.now() });
      await flight.run('restore');
      return store.get();
    },

    async login(credentials) {
      if (typeof credentials !== 'object' || credentials === null) {
        throw new AuthError('invalid_credentials', 'login() needs a credentials object');
      }
      // Logins go through the lane, so a later one simply follows this one; only a logout after this call
      // supersedes it. Starting a login changes nothing: a refresh already in flight may still end the old session.
      const asked = clock.now();
      let calledAt = asked;
      const superseded = () => new AuthError('unauthenticated', 'login was superseded by a logout');
      // Every logout whose server call let the lane go before this login's turn (heard by now, holding the lock: a
      // release heard then is of a task ahead of it) was called first: the login comes after them, whatever this
      // tab's clock (paused by a sleep, not yet told by that tab) stamped it (rule N2; skewed-clock seeds -631508960,
      // -1164978894, histories 88,226 and 43,256 of 20261128). A logout here after this call supersedes it whatever
      // other tabs did: this tab's own clock orders its calls.
      const after = () => (calledAt = outHere >= asked ? asked : Math.max(calledAt, tabs.cleared() + 0.001));
      // A logout stamped after this call: wait (≤ 200 ms) to hear whether its server call went first.
      const outranked = async () => {
        if (outHere < asked) await tabs.hearOut(s.outAt);
        after();
        return s.outAt >= calledAt;
      };
      // Asked only when the stamps say superseded (no wait, not even a tick, otherwise).
      const stale = () => s.outAt >= calledAt || outHere >= asked;
      try {
        return await tabs.lane(async () => {
          // Superseded while it queued: ask nothing (its Set-Cookie would land after a newer session's).
          if (stale() && (await outranked())) throw superseded();
          const verdict = await classify(backend.login(credentials, lifetime.signal), backend, 'login');
          if (!('tokens' in verdict)) throw (verdict as { error: AuthError }).error;
          const next = verdict.tokens;
          const at = clock.now();
          const judged = () => (after(), decide(s, { type: 'login', tokens: next, at, calledAt }));
          if (stale()) await outranked();
          let d = judged();
          if (d.effect && !cookie) {
            await refreshTokens.set(next.refreshToken ?? null);
            if (stale()) await outranked();
            d = judged();
          }
          if (!d.effect) {
            // The user logged out while this login was in flight: end the session the server just made (in cookie
            // mode its Set-Cookie has landed by now), or a reload's restore() would sign them back in.
            if (!gone()) await endAtServer(next);
            throw superseded();
          }
          apply(d, 'login');
          return store.get();
        });
      } catch (error) {
        // Settles a start-up the login was the first answer to; a restore still under way settles it itself (its
        // transient failure with its error: model seed 1144558357).
        if (s.outAt < calledAt && store.get().status === 'initializing' && !flight.running())
          publish('unauthenticated');
        throw error;
      }
    },

    async logout() {
      // A failed read (nothing to tell the server) still removes what the storage holds.
      const held = refreshTokens.get().catch(() => null);
      apply(decide(s, { type: 'logout', at: clock.now() }), 'manual');
      outHere = s.outAt;
      if (gone()) return;
      // Logout always completes locally; the server call is best effort.
      await tellServer(
        held.then(async (token) => (await refreshTokens.set(null), token)),
        true,
      );
    },

    async refresh() {
      const outcome = await flight.run('manual');
      if (!outcome.ok && !outcome.ended) throw outcome.error;
      return store.get();
    },

    async getAccessToken() {
      const now = tokenNow();
      if (now !== undefined) return now;
      const outcome = await flight.run('due');
      // A transient failure is thrown only once the token has expired (never without a token or an expiry).
      if (!outcome.ok && !outcome.ended && Date.now() >= ((s.tokens && expiresAt(s.tokens)) ?? Infinity))
        throw outcome.error;
      return s.tokens?.accessToken ?? null;
    },

    fetch: authFetch,

    resume() {
      if (!gone()) flight.wake(s.tokens !== null && isDue(s.tokens));
    },

    dispose() {
      if (gone()) return;
      lifetime.abort();
      flight.stop();
      handed?.();
      stopWake();
      tabs.close();
      store.clear();
      events.clear();
      // Forget the tokens: nothing attaches or hands them out any more, and the state says so. Listeners were cleared
      // first and are not told: dispose() is teardown (an unmount), not news, and a listener may be gone with it.
      s = { ...s, tokens: null, epoch: s.epoch + 1 };
      if (memory) void refreshTokens.set(null);
      publish('unauthenticated');
    },
  };
  return client;
}
