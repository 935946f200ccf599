// Where an http(s) request really goes, read by the WHATWG `URL` where it is complete (browsers, Node, Deno, Bun).
// Where it is partial, `readPartial` answers instead. React Native's is, in every version tested: 0.74's getters
// throw, 0.88's read the string with regular expressions (`/\evil.example/x` against a base stays on the base's
// origin there, unlike the standard). The React Native build reads URLs itself there (partial-url.native.ts); the
// web and Node build reads nothing, which only ever withholds the token (partial-url.ts).
import { readPartial } from './partial-url';

let probed: unknown;
let complete = false;

/** Whether the global `URL` parses by the standard; asked once per `URL` class, at the first call that needs it. */
export function urlWorks(): boolean {
  const U = globalThis.URL;
  if (U !== probed) {
    probed = U;
    try {
      complete = new U('b', 'http://a/').origin === 'http://a';
    } catch {
      complete = false;
    }
  }
  return complete;
}

/** `new URL(input, base)` when it is an http(s) URL, else null; where `URL` is partial, `readPartial`'s answer. */
export function toURL(input: string, base?: string): URL | null {
  if (!urlWorks()) return readPartial(input, base);
  try {
    const url = new URL(input, base);
    return /^https?:$/.test(url.protocol) ? url : null;
  } catch {
    return null;
  }
}
