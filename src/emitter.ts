/** A listener set. Listeners run synchronously and are never awaited, so one can't stall another. */
export function createEmitter<T>() {
  const listeners = new Set<(value: T) => void>();
  return {
    on(listener: (value: T) => void): () => void {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    emit(value: T): void {
      for (const listener of [...listeners]) {
        try {
          listener(value);
        } catch (error) {
          // A throwing listener must not break the state machine or its siblings. Logged, not rethrown: an
          // uncaught error is fatal in a React Native release build and fails a test run.
          console.error('[keycard] a listener threw', error);
        }
      }
    },
    clear: () => listeners.clear(),
  };
}
