// Runs in Chromium and Firefox (bundled by origins.pages.ts): the allow-list's differential property test with the
// browser's own URL parser as the oracle, React Native's reader (src/partial-url.native.ts) against it, and real
// requests.
import fc from 'fast-check';
import { createAuthClient } from '../src/index';
import type { OriginRule } from '../src/origins';
import { readPartial } from '../src/partial-url.native';
import { inputKind, recordingAuthFetch, urlString, type InputKind } from './url-cases';

const PlatformURL = URL;

function parsed(input: string, base: string): URL | null {
  try {
    return new PlatformURL(input, base);
  } catch {
    return null;
  }
}

function make(kind: InputKind, s: string): unknown {
  switch (kind) {
    case 'url':
      return parsed(s, document.baseURI) ?? s;
    case 'request':
      try {
        return new Request(s); // resolved against the page by the browser itself
      } catch {
        return s;
      }
    case 'toString':
      return { toString: () => s };
    case 'url+toString':
      return { url: location.href, toString: () => s };
    default:
      return s;
  }
}

/** The decision property: `runs` cases for a list (strings and RegExps as sources) or the default. */
async function decisions(list: Array<string | { re: string }> | null, runs: number) {
  const rule: OriginRule | undefined = list?.map((r) => (typeof r === 'string' ? r : new RegExp(r.re)));
  const baseUrl = 'https://auth.test';
  const origins = (rule ?? [baseUrl, location.href]).map((r) =>
    typeof r === 'string' ? new PlatformURL(r).origin : r,
  );
  const send = recordingAuthFetch(rule, baseUrl);

  let attachedCount = 0;
  const result = await fc.check(
    fc.asyncProperty(urlString, inputKind, async (s, kind) => {
      const input = make(kind, s);
      const url = parsed(input instanceof Request ? input.url : String(input), document.baseURI);
      const expected =
        !!url &&
        /^https?:$/.test(url.protocol) &&
        origins.some((o) => (typeof o === 'string' ? o === url.origin : o.test(url.origin)));
      const sent = await send(input);
      const attached = sent.authorization === 'Bearer TOKEN';
      if (attached) attachedCount++;
      if (attached !== expected) return false;
      const target = sent.input instanceof Request ? sent.input.url : String(sent.input);
      return !attached || parsed(target, document.baseURI)?.origin === url!.origin;
    }),
    { numRuns: runs },
  );
  return {
    failed: result.failed,
    counterexample: result.counterexample ? JSON.stringify(result.counterexample) : null,
    runs: result.numRuns,
    attachedCount,
  };
}

/** React Native's reader (what its build uses where URL is partial) against Chromium's URL, field by field. */
function parser(runs: number) {
  const bases = ['https://auth.test', 'https://auth.test/base/page?q=1#h', location.href];
  let own = 0;
  const result = fc.check(
    fc.property(urlString, fc.constantFrom(...bases), (input, base) => {
      const url = readPartial(input, base);
      const expected = parsed(input, base);
      const standard = expected && /^https?:$/.test(expected.protocol) ? expected : null;
      if (!url) {
        // Left to a complete URL only: non-ASCII or escaped hosts, IPv6 and other characters, other IPv4 forms.
        return (
          !standard ||
          /[^\0-\x7f]|%/.test(input) ||
          /[^\w.-]/.test(standard.hostname) ||
          /^[\d.]+$/.test(standard.hostname)
        );
      }
      if (!standard && /xn--/.test(url.hostname)) return true; // punycode is not validated
      own++;
      if (!standard) return false;
      const sent = new PlatformURL(url.href);
      sent.username = sent.password = '';
      const bare = new PlatformURL(standard.href);
      bare.username = bare.password = '';
      return (
        url.origin === standard.origin &&
        url.hostname === standard.hostname &&
        url.port === standard.port &&
        url.protocol === standard.protocol &&
        sent.href === bare.href
      );
    }),
    { numRuns: runs },
  );
  return {
    failed: result.failed,
    counterexample: result.counterexample ? JSON.stringify(result.counterexample) : null,
    own,
  };
}

/** Real requests from this page through auth.fetch: inputs aimed at `evil` (another origin). */
async function attack(evil: string) {
  const auth = createAuthClient({ baseUrl: location.origin, channel: false });
  await auth.login({ username: 'alice', password: 'wonderland' });
  const host = new PlatformURL(evil).host;
  const inputs: unknown[] = [
    `/\\${host}/x1`,
    `/\t/${host}/x2`,
    `/\r/${host}/x3`,
    `/\n/${host}/x4`,
    `\\\\${host}/x5`,
    { url: `${location.origin}/api/me`, toString: () => `${evil}/x6` },
  ];
  const statuses: number[] = [];
  for (const input of inputs) statuses.push((await auth.fetch(input as RequestInfo)).status);
  const own = (await auth.fetch('/api/me')).status;
  const token = await auth.getAccessToken();
  auth.dispose();
  return { statuses, own, token };
}

Object.assign(window, { keycardOrigins: { decisions, parser, attack } });
