const queue: Array<() => void> = [];
let delivering = false;

/**
 * Runs `task` at once, and the deliveries it (and the listeners they call) make after it, in order. A listener that
 * changes the state (a logout on sign-in) is heard after every listener has had the news it reacted to, so none is
 * left holding a stale state, and one change's state and event reach listeners together, before the next change's.
 */
export function batch(task?: () => void): void {
  if (delivering) return task?.();
  delivering = true;
  try {
    task?.();
  } finally {
    // Each delivery catches its listeners' errors, so the queue always runs out.
    while (queue.length) (queue.shift() as () => void)();
    delivering = false;
  }
}

/** A listener set. Listeners run synchronously and are never awaited, so one can't stall another. */
export function createEmitter<T>() {
  const listeners = new Set<(value: T) => void>();
  return {
    on(listener: (value: T) => void): () => void {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    emit(value: T): void {
      // Whoever is subscribed when the news is delivered hears it: not a listener an earlier one unsubscribed.
      queue.push(() => {
        for (const listener of [...listeners]) {
          try {
            listener(value);
          } catch (error) {
            // A throwing listener must not break the state machine or its siblings. Logged, not rethrown: an
            // uncaught error is fatal in a React Native release build and fails a test run.
            console.error('[keycard] a listener threw', error);
          }
        }
      });
      batch();
    },
    clear: () => listeners.clear(),
  };
}
