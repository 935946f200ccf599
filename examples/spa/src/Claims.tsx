import { useAuthState } from 'keycard/react';
import { clock } from './format';

const TIMES = new Set(['iat', 'exp', 'nbf']);

function show(name: string, value: unknown): string {
  // Claim times are server-clock seconds; shown as-is, since keycard never compares them with this clock.
  if (TIMES.has(name) && typeof value === 'number') return `${value} (${clock(value * 1000)})`;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The access token's claims: decoded in the browser, NOT verified. Live: changes on every refresh. */
export function Claims() {
  const user = useAuthState((s) => s.user);
  return (
    <section className="card">
      <h3>Token claims</h3>
      <p className="muted small">Decoded in the browser for display, not verified.</p>
      <table data-testid="claims">
        <tbody>
          {Object.entries(user ?? {}).map(([name, value]) => (
            <tr key={name}>
              <th>{name}</th>
              <td>{show(name, value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
