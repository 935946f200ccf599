import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoff, createTimer, retryAfter, retryDelay } from '../src/scheduler';

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

  it('fires on time when the wall clock is set back meanwhile (the server\'s clock was not)', () => {
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
  it('doubles from 1 s with jitter between half and all of the step, capped at 60 s', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999999);
    expect(backoff(0)).toBeCloseTo(1000, -1);
    expect(backoff(3)).toBeCloseTo(8000, -1);
    expect(backoff(30)).toBeCloseTo(60_000, -1);
    vi.spyOn(Math, 'random').mockReturnValue(0);
    expect(backoff(3)).toBe(4000);
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

describe('retryDelay: Retry-After lengthens a backoff step, never shortens it', () => {
  it.each([
    ['no Retry-After', 2, undefined, 3000],
    ['Retry-After 0', 2, 0, 3000],
    ['Retry-After shorter than the step', 2, 1000, 3000],
    ['Retry-After longer than the step', 2, 7000, 7000],
    ['the first step', 0, 0, 750],
  ])('%s', (_name, failures, retryAfterMs, expected) => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5); // the step is 0.75 of 1 s × 2^failures
    expect(retryDelay(failures, retryAfterMs)).toBe(expected);
    vi.restoreAllMocks();
  });
});
