// What `toURL` does where the global `URL` is partial, in the web and Node build: nothing is read, so no token is
// sent and a `baseUrl` is refused. Browsers, Node, Deno and Bun have a complete `URL`; React Native's is partial,
// and its apps get the React Native build (partial-url.native.ts, a reader of its own), which Metro picks by the
// package's "react-native" field and export condition. Reaching this means a bundler that
// ignored both, or an odd runtime: the warning says what to do rather than leaving a silent 401.
import { warnOnce } from './env';

/** No reading without a complete `URL` here: null, and a warning naming the build that has one. */
export function readPartial(_input: string, _base?: string): URL | null {
  warnOnce(`this runtime's URL is partial: no token is sent. React Native apps need keycard's "react-native" build`);
  return null;
}
