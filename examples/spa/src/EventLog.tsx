import { useEffect, useState } from 'react';
import type { AuthEvent } from 'keycard';
import { useAuthClient } from 'keycard/react';
import { clock } from './format';

interface Entry {
  id: number;
  at: number;
  type: AuthEvent['type'];
  trigger: string | undefined;
  text: string;
  count: number;
}

const TRIGGERS: Record<string, string> = {
  timer: 'proactive, before expiry',
  restore: 'session restored from the cookie',
  '401': 'after a 401',
  tab: 'token shared by another tab',
  manual: 'manual',
  due: 'token was due',
  wake: 'page woke up',
  retry: 'retry',
};

function describe(event: AuthEvent): string {
  switch (event.type) {
    case 'login':
      return `signed in as ${String(event.user?.sub)}${event.fromTab ? ' (in another tab)' : ''}`;
    case 'refresh':
      return `refresh: ${TRIGGERS[event.trigger] ?? event.trigger}`;
    case 'refresh_failed':
      return `refresh failed (${TRIGGERS[event.trigger] ?? event.trigger}): ${event.error.code}`;
    case 'replay':
      return `401 → replayed ${event.method} ${new URL(event.url, location.href).pathname}`;
    case 'logout':
      return {
        user: 'signed out',
        session_expired: 'session ended by the server',
        tab: 'session ended in another tab',
      }[event.reason];
  }
}

const MAX_ENTRIES = 40;
// Identical events this close together (a burst of replays) share one line.
const COLLAPSE_MS = 1000;
let nextId = 0;

/** The client's typed event stream, newest first. */
export function EventLog() {
  const auth = useAuthClient();
  const [entries, setEntries] = useState<Entry[]>([]);

  useEffect(() => {
    return auth.onEvent((event) => {
      const text = describe(event);
      const at = Date.now();
      const trigger = 'trigger' in event ? event.trigger : undefined;
      setEntries((list) => {
        const [latest, ...rest] = list;
        if (latest && latest.text === text && at - latest.at < COLLAPSE_MS)
          return [{ ...latest, at, count: latest.count + 1 }, ...rest];
        return [{ id: nextId++, at, type: event.type, trigger, text, count: 1 }, ...list].slice(0, MAX_ENTRIES);
      });
    });
  }, [auth]);

  return (
    <section className="card log">
      <h3>Events</h3>
      {entries.length === 0 && <p className="muted small">Refreshes, 401 replays, logins and logouts appear here.</p>}
      <ol data-testid="event-log">
        {entries.map((entry) => (
          <li
            key={entry.id}
            className={entry.type}
            data-type={entry.type}
            data-trigger={entry.trigger}
            data-at={entry.at}
            data-count={entry.count}
          >
            <time>{clock(entry.at)}</time> {entry.text}
            {entry.count > 1 && <span className="count">×{entry.count}</span>}
          </li>
        ))}
      </ol>
    </section>
  );
}
