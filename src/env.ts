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
  // The targets listened on, kept: the unsubscribe must not depend on the globals still being there (a test
  // environment torn down before dispose()).
  const win = window;
  const doc = document;
  const onVisible = () => doc.visibilityState === 'visible' && listener();
  const onShow = (event: PageTransitionEvent) => event.persisted && back();
  win.addEventListener('online', listener);
  win.addEventListener('pageshow', onShow);
  doc.addEventListener('visibilitychange', onVisible);
  return () => {
    win.removeEventListener('online', listener);
    win.removeEventListener('pageshow', onShow);
    doc.removeEventListener('visibilitychange', onVisible);
  };
}

const warned = new Set<string>();

/** One console warning per distinct message for the life of the page. */
export function warnOnce(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  console.warn(`[keycard] ${message}`);
}
