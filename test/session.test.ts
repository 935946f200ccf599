// The cross-tab ordering rules (src/session.ts `decide`) as a table: one row per rule, in the order decide()
// applies them. test/RESILIENCE.md maps each rule to the race that made it and to the scripts that pin it.
import { describe, expect, it } from 'vitest';
import { START, createClock, decide, type News, type Session } from '../src/session';
import type { Tokens } from '../src/tokens';

const tokens = (name: string): Tokens => ({
  accessToken: name,
  refreshToken: undefined,
  claims: null,
  receivedAt: 0,
  lifetime: 60_000,
});
const OLD = tokens('old');
const NEW = tokens('new');

/** A signed-in tab: its tokens decided at 10, its session's login called at 5 and decided at 6 (its name). */
const IN: Session = { ...START, tokens: OLD, at: 10, loginAt: 5, sid: 6, epoch: 1 };
/** A tab whose user logged out at 10. */
const OUT: Session = { ...START, at: 10, outAt: 10, out: true, epoch: 2 };

type Row = [
  rule: string,
  before: Session,
  news: News,
  effect: string | null,
  after?: Partial<Session>,
  options?: { memory?: boolean; tell?: boolean },
];

const rows: Row[] = [
  // News from another tab: a logout.
  [
    'T1 login after the logout',
    IN,
    { type: 'logout', tab: true, at: 4, expired: false, session: 5 },
    null,
    { tokens: OLD },
  ],
  [
    'T2 logout',
    IN,
    { type: 'logout', tab: true, at: 20, expired: false, session: 5 },
    'logout',
    { tokens: null, out: true, outAt: 20, at: 20, epoch: 2 },
    { tell: false },
  ],
  [
    'T2 logout',
    IN,
    { type: 'logout', tab: true, at: 8, expired: false, session: 5 },
    'logout',
    { tokens: null, out: true, outAt: 8, at: 10 },
    { tell: true },
  ],
  [
    'T2 logout',
    IN,
    { type: 'logout', tab: true, at: 20, expired: false, session: 5 },
    'logout',
    { tokens: null },
    { memory: true, tell: true },
  ],
  [
    'T2 logout',
    START,
    { type: 'logout', tab: true, at: 20, expired: false, session: 5 },
    'logout',
    { out: true, outAt: 20 },
    { tell: false },
  ],
  [
    'T9 old news',
    OUT,
    { type: 'logout', tab: true, at: 10, expired: false, session: 5 },
    null,
    { tokens: null, outAt: 10, epoch: 2 },
  ],
  // … the server ended the session.
  ['T3 stale', IN, { type: 'logout', tab: true, at: 9, expired: true, session: 5 }, null, { tokens: OLD }],
  ['T4 noted', START, { type: 'logout', tab: true, at: 20, expired: true, session: 5 }, null, { tokens: null, at: 20 }],
  ['T5 tie', IN, { type: 'logout', tab: true, at: 10, expired: true, session: 5 }, 'verify', { tokens: OLD }],
  [
    'T6 ended in another tab',
    IN,
    { type: 'logout', tab: true, at: 20, expired: true, session: 5 },
    'end',
    { tokens: null, at: 20, out: false },
  ],
  // … tokens.
  ['T3 stale', IN, { type: 'tokens', tab: true, tokens: NEW, at: 9, session: 5 }, null, { tokens: OLD }],
  ['T7 logged out since', OUT, { type: 'tokens', tab: true, tokens: NEW, at: 20, session: 5 }, null, { tokens: null }],
  [
    'T7 logged out since',
    OUT,
    { type: 'tokens', tab: true, tokens: NEW, at: 20, session: 9, login: 9 },
    null,
    { tokens: null },
  ],
  [
    'T8 adopt',
    OUT,
    { type: 'tokens', tab: true, tokens: NEW, at: 20, session: 16, login: 15 },
    'adopt',
    { tokens: NEW, at: 20, loginAt: 15, sid: 16, out: false, epoch: 2 },
  ],
  [
    'T8 adopt',
    IN,
    { type: 'tokens', tab: true, tokens: NEW, at: 10, session: 5 },
    'adopt',
    { tokens: NEW, loginAt: 5 },
  ],
  // Memory mode: each session is named by its login's stamp, and a tab's refusal is about the refresh token it sent.
  [
    'T3 stale',
    IN,
    { type: 'logout', tab: true, at: 20, expired: true, session: 3 },
    null,
    { tokens: OLD },
    { memory: true },
  ],
  [
    'T3 stale',
    IN,
    { type: 'tokens', tab: true, tokens: NEW, at: 20, session: 3 },
    null,
    { tokens: OLD },
    { memory: true },
  ],
  [
    'T6 ended in another tab',
    IN,
    { type: 'logout', tab: true, at: 20, expired: true, session: 6 },
    'end',
    { tokens: null },
    { memory: true },
  ],
  [
    'T4 noted, with its session',
    { ...START, at: 30 },
    { type: 'logout', tab: true, at: 20, expired: true, session: 8 },
    null,
    { tokens: null, at: 30, sid: 8 },
    { memory: true },
  ],
  [
    'T8 adopt',
    { ...IN, tokens: null, at: 30 },
    { type: 'tokens', tab: true, tokens: NEW, at: 20, session: 8, login: 7 },
    'adopt',
    { tokens: NEW, loginAt: 7, sid: 8, at: 30 },
    { memory: true },
  ],
  // This tab's own outcomes.
  ['L1 logout', IN, { type: 'logout', at: 20 }, 'logout', { tokens: null, out: true, outAt: 20, epoch: 2 }],
  ['L2 superseded', OUT, { type: 'login', tokens: NEW, at: 20, calledAt: 9 }, null, { tokens: null }],
  [
    'L3 login',
    OUT,
    { type: 'login', tokens: NEW, at: 20, calledAt: 11 },
    'adopt',
    { tokens: NEW, loginAt: 11, sid: 20, out: false, epoch: 3 },
  ],
  ['L4 gone', IN, { type: 'refreshed', tokens: NEW, at: 20, epoch: 0 }, null, { tokens: OLD }],
  [
    'L5 refreshed',
    IN,
    { type: 'refreshed', tokens: NEW, at: 20, epoch: 1 },
    'adopt',
    { tokens: NEW, at: 20, epoch: 1 },
  ],
  [
    'L4 gone',
    IN,
    { type: 'refused', at: 20, epoch: 0, sid: 6, from: OLD, asked: true, cookie: true },
    null,
    { tokens: OLD },
  ],
  [
    'L6 handed over',
    IN,
    { type: 'refused', at: 20, epoch: 1, sid: 6, from: null, asked: false, cookie: false },
    null,
    { tokens: OLD },
  ],
  [
    'L7 refused an older session',
    IN,
    { type: 'refused', at: 20, epoch: 1, sid: 3, from: OLD, asked: true, cookie: false },
    null,
    { tokens: OLD },
  ],
  // Seed 164091736: in cookie mode the refresh sent the newest session's cookie, whatever this tab had heard.
  [
    'L8 refused',
    IN,
    { type: 'refused', at: 20, epoch: 1, sid: 3, from: OLD, asked: true, cookie: true },
    'end',
    { tokens: null, at: 20 },
  ],
  [
    'L8 refused',
    IN,
    { type: 'refused', at: 20, epoch: 1, sid: 6, from: OLD, asked: true, cookie: false },
    'end',
    { tokens: null, at: 20 },
  ],
  // Finding no refresh token decides nothing for the other tabs: the stamp stays.
  [
    'L8 refused',
    { ...START, epoch: 1 },
    { type: 'refused', at: 20, epoch: 1, sid: -Infinity, from: null, asked: false, cookie: false },
    'end',
    { at: -Infinity },
  ],
];

describe('decide(session, news): the ordering rules, first match wins', () => {
  it.each(rows)('%s (%#)', (rule, before, news, effect, after = {}, options = {}) => {
    const d = decide(before, news, options.memory);
    expect(d.rule).toBe(rule.slice(0, 2));
    expect(d.effect).toBe(effect);
    expect(d.session).toMatchObject(after);
    if (options.tell !== undefined) expect(Boolean(d.tell)).toBe(options.tell);
    if (effect === null && !rule.startsWith('T4')) expect(d.session).toBe(before); // ignoring news changes nothing
  });

  it('is pure: the session it was given is left as it was', () => {
    const before = { ...IN };
    decide(before, { type: 'logout', at: 20 });
    expect(before).toEqual(IN);
  });
});

describe('createClock: orders news without trusting any tab’s clock', () => {
  it('is strictly increasing on a frozen clock', () => {
    const clock = createClock(() => 1000);
    const [a, b, c] = [clock.now(), clock.now(), clock.now()];
    expect(a).toBeLessThan(b);
    expect(b).toBeLessThan(c);
  });

  it('stamps later than anything it heard, and keeps the lead of a clock that is hours ahead', () => {
    let behind = 1000; // this tab's clock paused for 2 h (a laptop's sleep)
    const clock = createClock(() => behind);
    clock.heard(7_200_000 + 1000); // a tab whose clock ran on
    const first = clock.now();
    expect(first).toBeGreaterThan(7_201_000);
    behind += 50; // 50 ms later, the other tab decides at its 7_201_050: ours must not look older than it
    expect(clock.now()).toBeGreaterThanOrEqual(7_201_050);
  });

  it('ignores a clock that is behind, and anything that is not a number', () => {
    const clock = createClock(() => 5000);
    clock.heard(10);
    clock.heard('soon');
    clock.heard(undefined);
    expect(clock.now()).toBe(5000);
  });
});
