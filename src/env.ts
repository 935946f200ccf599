// Every global is read at call time, never captured at import, so fake timers,
// an injected fetch, React Native and server rendering all work unforked.

/** A browser page (not Node, not React Native): only there do tabs exist. */
export const inBrowser = (): boolean =>
  typeof window !== 'undefined' && typeof document !== 'undefined' && typeof document.addEventListener === 'function';

/** The page's origin in a browser, else null. */
export function pageOrigin(): string | null {
  const origin = globalThis.location?.origin;
  return origin && origin !== 'null' ? origin : null;
}

/**
 * Calls `listener` when the device may have been away: the page became
 * visible or the network came back; and `back` when the page comes back from
 * the back-forward cache. Returns the unsubscribe; a no-op where those events
 * don't exist (React Native calls `auth.resume()` instead).
 */
export function onWake(listener: () => void, back: () => void): () => void {
  if (!inBrowser()) return () => {};
  const onVisible = () => document.visibilityState === 'visible' && listener();
  const onShow = (event: PageTransitionEvent) => event.persisted && back();
  window.addEventListener('online', listener);
  window.addEventListener('pageshow', onShow);
  document.addEventListener('visibilitychange', onVisible);
  return () => {
    window.removeEventListener('online', listener);
    window.removeEventListener('pageshow', onShow);
    document.removeEventListener('visibilitychange', onVisible);
  };
}

const warned = new Set<string>();

/** One console warning per distinct message for the life of the page. */
export function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(`[keycard] ${message}`);
}
