const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Local wall-clock time with milliseconds: 14:03:07.250 */
export function clock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** Seconds with one decimal, never negative: 12.3 s */
export const seconds = (ms: number): string => `${Math.max(0, ms / 1000).toFixed(1)} s`;
