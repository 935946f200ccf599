// Counters and a short event log, so demos and e2e tests can see what the
// client actually did ("3 tabs, 1 refresh").

/** Which counters each event type bumps. */
const COUNTERS = /** @type {const} */ ({
  login: ['logins'],
  login_failure: ['loginFailures'],
  refresh: ['refreshes'],
  refresh_failure: ['refreshFailures'],
  logout: ['logouts'],
  api: ['apiCalls'],
  api_401: ['apiCalls', 'api401s'],
});

/** @typedef {keyof typeof COUNTERS} EventType */
/** @typedef {import('./index.mjs').Stats} Stats */

const zero = () => ({
  logins: 0,
  loginFailures: 0,
  refreshes: 0,
  refreshFailures: 0,
  logouts: 0,
  apiCalls: 0,
  api401s: 0,
});

/**
 * @param {() => number} now epoch ms on the server's clock, for event timestamps
 * @param {number} [keep] how many recent events to keep
 * @example
 * const stats = createStats(Date.now);
 * stats.record('refresh', 'alice');
 * stats.snapshot().refreshes; // 1
 */
export function createStats(now, keep = 50) {
  let counters = zero();
  /** @type {Stats['events']} */
  let events = [];

  return {
    /** @param {EventType} type @param {string} detail */
    record(type, detail) {
      for (const name of COUNTERS[type]) counters[name]++;
      events.push({ at: new Date(now()).toISOString(), type, detail });
      if (events.length > keep) events.shift();
    },
    /** @returns {Stats} */
    snapshot: () => ({ ...counters, events: [...events] }),
    reset() {
      counters = zero();
      events = [];
    },
  };
}
