// A small fake clock for simulating hours in seconds: replaces Date.now,
// setTimeout/clearTimeout and setInterval/clearInterval on globalThis (keycard
// reads them at call time), and runs due timers in order as time advances.
// Real setImmediate stays, to let promise chains settle between timers.

export function installFakeClock(startMs) {
  const real = {
    now: Date.now,
    setTimeout: globalThis.setTimeout,
    clearTimeout: globalThis.clearTimeout,
    setInterval: globalThis.setInterval,
    clearInterval: globalThis.clearInterval,
  };
  const realImmediate = globalThis.setImmediate;
  let now = startMs;
  let seq = 0;
  /** id → { at, fn, args, every } */
  const timers = new Map();

  class FakeTimer {
    constructor(id) {
      this.id = id;
    }
    unref() {
      return this;
    }
    ref() {
      return this;
    }
    hasRef() {
      return false;
    }
    [Symbol.toPrimitive]() {
      return this.id;
    }
  }
  const add = (fn, ms, args, every) => {
    const id = ++seq;
    const delay = Math.max(0, Number(ms) || 0);
    timers.set(id, { at: now + delay, fn, args, every: every ? Math.max(1, delay) : null });
    return new FakeTimer(id);
  };
  const remove = (handle) => {
    if (handle !== null && handle !== undefined) timers.delete(typeof handle === 'object' ? handle.id : Number(handle));
  };

  Date.now = () => now;
  globalThis.setTimeout = (fn, ms, ...args) => add(fn, ms, args, false);
  globalThis.setInterval = (fn, ms, ...args) => add(fn, ms, args, true);
  globalThis.clearTimeout = remove;
  globalThis.clearInterval = remove;

  /** Lets every promise chain started so far run to its next real wait. */
  const flush = async (rounds = 3) => {
    for (let i = 0; i < rounds; i++) await new Promise((resolve) => realImmediate(resolve));
  };

  return {
    get now() {
      return now;
    },
    /** Timers still scheduled. */
    pending: () => timers.size,
    flush,
    /** Moves time to `t`, firing due timers in order (each followed by a flush). */
    async advanceTo(t) {
      for (;;) {
        let nextId = null;
        let next = null;
        for (const [id, timer] of timers) {
          if (timer.at <= t && (next === null || timer.at < next.at)) {
            next = timer;
            nextId = id;
          }
        }
        if (next === null) break;
        now = Math.max(now, next.at);
        if (next.every === null) timers.delete(nextId);
        else next.at += next.every;
        next.fn(...next.args);
        await flush();
      }
      now = Math.max(now, t);
    },
    uninstall() {
      Date.now = real.now;
      Object.assign(globalThis, {
        setTimeout: real.setTimeout,
        clearTimeout: real.clearTimeout,
        setInterval: real.setInterval,
        clearInterval: real.clearInterval,
      });
    },
  };
}
