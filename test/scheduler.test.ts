import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MIN_REFRESH_GAP_MS, backoff, createTimer, refreshGap, retryAfter, retryDelay } from '../src/scheduler';

beforeEach(() => vi.useFakeTimers({ now: Date.UTC(2026, 0, 1) }));
afterEach(() => vi.useRealTimers());

const DAY = 24 * 3600 * 1000;

describe('createTimer', () => {
  it('fires at the target', () => {
    const fire = vi.fn();
    createTimer(fire).at(Date.now() + 5000);
    vi.advanceTimersByTime(4999);
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fire).toHaveBeenCalledOnce();
  });

  it('does not fire early past setTimeout’s 2^31-1 ms limit (a 30-day token)', () => {
    const fire = vi.fn();
    createTimer(fire).at(Date.now() + 30 * DAY);
    vi.advanceTimersByTime(25 * DAY);
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(5 * DAY - 1);
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fire).toHaveBeenCalledOnce();
  });

  it('re-aiming replaces the previous target, clear cancels', () => {
    const fire = vi.fn();
    const timer = createTimer(fire);
    timer.at(Date.now() + 1000);
    timer.at(Date.now() + 3000);
    vi.advanceTimersByTime(2000);
    expect(fire).not.toHaveBeenCalled();
    timer.clear();
    vi.advanceTimersByTime(10_000);
    expect(fire).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("fires on time when the wall clock is set back meanwhile (the server's clock was not)", () => {
    const fire = vi.fn();
    createTimer(fire).at(Date.now() + 5000);
    vi.setSystemTime(Date.now() - 5 * 3600 * 1000);
    vi.advanceTimersByTime(5000);
    expect(fire).toHaveBeenCalledOnce();
  });

  it('a long wait is not stretched by the wall clock being set back during it', () => {
    const fire = vi.fn();
    createTimer(fire).at(Date.now() + 30 * DAY);
    vi.advanceTimersByTime(25 * DAY);
    vi.setSystemTime(Date.now() - DAY);
    vi.advanceTimersByTime(5 * DAY);
    expect(fire).toHaveBeenCalledOnce();
  });

  it('a past target fires on the next tick', () => {
    const fire = vi.fn();
    createTimer(fire).at(Date.now() - 1000);
    vi.advanceTimersByTime(0);
    expect(fire).toHaveBeenCalledOnce();
  });
});

describe('backoff', () => {
  it('doubles from 2 s with jitter between half and all of the step, capped at 60 s', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999999);
    expect(backoff(0)).toBeCloseTo(2000, -1);
    expect(backoff(3)).toBeCloseTo(16_000, -1);
    expect(backoff(30)).toBeCloseTo(60_000, -1);
    vi.spyOn(Math, 'random').mockReturnValue(0);
    expect(backoff(0)).toBe(MIN_REFRESH_GAP_MS); // even the first retry keeps the one-a-second ceiling
    expect(backoff(3)).toBe(8000);
    vi.restoreAllMocks();
  });
});

describe('retryAfter', () => {
  it('reads delta seconds and HTTP dates, caps at an hour, ignores junk', () => {
    expect(retryAfter('7')).toBe(7000);
    expect(retryAfter(new Date(Date.now() + 30_000).toUTCString())).toBe(30_000);
    expect(retryAfter('999999')).toBe(3_600_000);
    expect(retryAfter('soon')).toBeUndefined();
    expect(retryAfter(null)).toBeUndefined();
  });
});

describe('retryDelay: Retry-After lengthens a step, never shortens it; steps never shorten', () => {
  it('a Retry-After of now, the past, negative or fractional keeps the backoff', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const past = new Date(Date.now() - 3_600_000).toUTCString();
    for (const header of ['0', '-1', '0.001', past, 'junk', null]) {
      expect(retryDelay(0, 0, retryAfter(header)).delay).toBe(1000);
      expect(retryDelay(3, 0, retryAfter(header)).delay).toBe(8000);
    }
    vi.restoreAllMocks();
  });

  it('a longer Retry-After wins', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    expect(retryDelay(0, 0, retryAfter('30')).delay).toBe(30_000);
    expect(retryDelay(0, 0, retryAfter(new Date(Date.now() + 90_000).toUTCString())).delay).toBe(90_000);
    vi.restoreAllMocks();
  });

  it('at the cap, jitter never makes a step shorter than the one before', () => {
    let previous = 0;
    const steps: number[] = [];
    for (let attempt = 0; attempt < 40; attempt++) {
      vi.spyOn(Math, 'random').mockReturnValue(attempt % 2 ? 0 : 0.999);
      const { delay, step } = retryDelay(attempt, previous, undefined);
      steps.push(delay);
      previous = step;
    }
    vi.restoreAllMocks();
    for (let i = 1; i < steps.length; i++) expect(steps[i]).toBeGreaterThanOrEqual(steps[i - 1] as number);
    expect(steps[0]).toBeGreaterThanOrEqual(MIN_REFRESH_GAP_MS);
  });
});

describe('refreshGap', () => {
  it('is what is left of a second since the last request, never more (a clock set back)', () => {
    expect(refreshGap(-Infinity)).toBe(0);
    expect(refreshGap(Date.now() - 300)).toBe(700);
    expect(refreshGap(Date.now() - 5000)).toBe(0);
    expect(refreshGap(Date.now() + 3_600_000)).toBe(MIN_REFRESH_GAP_MS);
  });

  it('lets a second request go at once when the one before the last was two seconds ago or more (one a second sustained)', () => {
    expect(refreshGap(Date.now(), -Infinity)).toBe(0); // the first two: at once
    expect(refreshGap(Date.now() - 300, Date.now() - 2000)).toBe(0);
    expect(refreshGap(Date.now() - 300, Date.now() - 1500)).toBe(500);
    expect(refreshGap(Date.now() - 300, Date.now() - 300)).toBe(700);
    expect(refreshGap(Date.now() + 3_600_000, -Infinity)).toBe(0);
  });
});

describe('retryDelay table: Retry-After lengthens a backoff step, never shortens it', () => {
  it.each([
    ['no Retry-After', 2, undefined, 6000],
    ['Retry-After 0', 2, 0, 6000],
    ['Retry-After shorter than the step', 2, 1000, 6000],
    ['Retry-After longer than the step', 2, 7000, 7000],
    ['the first step', 0, 0, 1500],
  ])('%s', (_name, attempt, retryAfterMs, expected) => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5); // the step is 0.75 of 2 s × 2^attempt
    expect(retryDelay(attempt, 0, retryAfterMs).delay).toBe(expected);
    vi.restoreAllMocks();
  });
});
