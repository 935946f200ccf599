// auth.fetch reads the caller's headers on a fast path (a plain object by its keys, no `Headers` built) to add the
// token. The slow path is what `fetch` itself does with them (`new Request(input, init)`), then the token set unless
// the caller set Authorization. Over hostile header inits, both must send the same headers, first try and replay,
// and fail where `fetch` fails. Hostile means anything JavaScript can pass: records with odd or invalid names and
// inherited or symbol keys, lists of pairs of any length, `Headers`, a `Map`, a one-shot generator, any iterable,
// `null`, a string; on a string URL or on a `Request` with headers of its own.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAuthFetch } from '../src/fetch';

const URL_ = 'https://api.example.com/x';

/**
 * A header list as HTTP reads it. Copying a `Headers` (as `fetch` does with a `Headers` init, and auth.fetch to add
 * the token without touching the caller's) joins a repeated name's values with `, ` and trims the result, so when
 * the last of them is empty the join's trailing space goes (`x: , ` becomes `x: ,`): the same list of values.
 */
const asHttp = (headers: Iterable<[string, string]>) => [...headers].map(([name, value]) => [name, value.trimEnd()]);

/** What `fetch` sends for these arguments: its headers, or the TypeError it fails with. */
function sends(input: RequestInfo, init: RequestInit | undefined): string[][] | 'TypeError' {
  try {
    return asHttp(new Request(input, init).headers);
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return 'TypeError';
  }
}

/** The slow path: what `fetch` makes of them, then the token unless the caller set Authorization. */
function slowPath(input: RequestInfo, init: RequestInit | undefined, token: string): string[][] | 'TypeError' {
  let headers: Headers;
  try {
    headers = new Request(input, init).headers;
  } catch {
    return 'TypeError';
  }
  if (!headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
  return asHttp(headers);
}

/** auth.fetch with a token (or none), a fetch that fails as `fetch` does and records what it sends (the first try is
 * answered 401), and a refresh to `tok2`. */
async function viaAuthFetch(input: RequestInfo, init: RequestInit | undefined, signedIn = true) {
  const calls: string[][][] = [];
  const authFetch = createAuthFetch({
    fetch: () => async (to, options) => {
      calls.push(asHttp(new Request(to as RequestInfo, options).headers));
      return new Response(null, { status: calls.length === 1 ? 401 : 200 });
    },
    allowed: () => true,
    tokenNow: () => (signedIn ? 'tok' : null),
    waitForToken: async () => 'tok',
    tokenAfter401: async () => 'tok2',
    onReplay: () => {},
    absolute: (url) => url,
  });
  try {
    await authFetch(input, init);
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    expect(calls).toEqual([]);
    return { first: 'TypeError' as const, replay: 'TypeError' as const };
  }
  const [first, replay] = calls;
  return { first, replay };
}

const names = fc.constantFrom(
  'authorization',
  'Authorization',
  'AUTHORIZATION',
  'aUtHoRiZaTiOn',
  'x-a',
  'X-A',
  'accept',
  ' authorization',
  'authorization ',
  'authorİzation',
  '__proto__',
  'constructor',
  'toString',
  'a b',
  '',
);
const values = fc.oneof(fc.constantFrom('', ' v ', 'v', 'Bearer mine', 'é', 'a\nb'), fc.string({ maxLength: 4 }));
const pairs = fc.array(fc.tuple(names, values), { maxLength: 4 });
const ragged = fc.array(fc.array(fc.oneof(names, values), { maxLength: 3 }), { maxLength: 3 });
const SHAPES = ['record', 'null prototype', 'symbol key', 'pairs', 'Map', 'Headers', 'generator', 'iterable'] as const;

/** A header init, as data (so a counterexample prints), made fresh by `build` for each use: a generator reads once. */
type Recipe =
  | { shape: (typeof SHAPES)[number]; pairs: string[][] }
  | { shape: 'inherited'; pairs: string[][]; inherited: string[][] }
  | { shape: 'ragged pairs'; pairs: string[][] }
  | { shape: 'null' | 'string' | 'number' | 'undefined' };
const recipe: fc.Arbitrary<Recipe> = fc.oneof(
  fc.record({ shape: fc.constantFrom(...SHAPES), pairs }),
  fc.record({ shape: fc.constant('record' as const), pairs }),
  fc.record({ shape: fc.constant('inherited' as const), pairs, inherited: pairs }),
  fc.record({ shape: fc.constant('ragged pairs' as const), pairs: ragged }),
  fc.record({ shape: fc.constantFrom('null' as const, 'string' as const, 'number' as const, 'undefined' as const) }),
);

function build(r: Recipe): unknown {
  const entries = 'pairs' in r ? r.pairs.map((pair) => [...pair]) : [];
  switch (r.shape) {
    case 'record':
      return Object.fromEntries(entries);
    case 'null prototype':
      return Object.assign(Object.create(null), Object.fromEntries(entries));
    case 'inherited':
      return Object.assign(Object.create(Object.fromEntries(r.inherited)), Object.fromEntries(entries));
    case 'symbol key':
      return { ...Object.fromEntries(entries), [Symbol('s')]: 'x' };
    case 'pairs':
    case 'ragged pairs':
      return entries;
    case 'Map':
      return new Map(entries as Array<[string, string]>);
    case 'Headers':
      try {
        return new Headers(entries as Array<[string, string]>);
      } catch {
        return new Headers();
      }
    case 'generator':
      return (function* () {
        yield* entries;
      })();
    case 'iterable':
      return { [Symbol.iterator]: () => entries[Symbol.iterator]() };
    case 'null':
      return null;
    case 'string':
      return 'authorization';
    case 'number':
      return 5;
    case 'undefined':
      return undefined;
  }
}

/** A string URL, or a `Request` with headers of its own; an init with headers (any recipe) or none. */
const call = fc.record({
  request: fc.option(pairs, { nil: undefined }),
  init: fc.option(fc.record({ method: fc.constantFrom('GET', 'POST'), headers: recipe }), { nil: undefined }),
});
type Call = typeof call extends fc.Arbitrary<infer T> ? T : never;
const made = (c: Call): [RequestInfo, RequestInit | undefined] => {
  let input: RequestInfo = URL_;
  if (c.request)
    try {
      input = new Request(URL_, { headers: Object.fromEntries(c.request) });
    } catch {
      input = new Request(URL_);
    }
  return [input, c.init && { method: c.init.method, headers: build(c.init.headers) as HeadersInit }];
};

describe('auth.fetch sends the headers fetch would, plus the token unless the caller set Authorization', () => {
  it('over 5,000 hostile header inits, first try and replay, and signed out', async () => {
    await fc.assert(
      fc.asyncProperty(call, async (c) => {
        const expected = slowPath(...made(c), 'tok');
        const { first, replay } = await viaAuthFetch(...made(c));
        expect(first).toEqual(expected);
        // The caller's own Authorization is not keycard's to refresh: its 401 comes back as it is, with no replay.
        const callers = sends(...made(c));
        const own = callers !== 'TypeError' && callers.some(([name]) => name === 'authorization');
        expect(replay).toEqual(expected === 'TypeError' ? expected : own ? undefined : slowPath(...made(c), 'tok2'));
        // Signed out: what fetch sends, untouched.
        expect((await viaAuthFetch(...made(c), false)).first).toEqual(sends(...made(c)));
      }),
      { numRuns: 5_000 },
    );
  });

  // The cases the generator is there for, each written out.
  const cases: Array<[string, () => RequestInit, string[][] | 'TypeError']> = [
    [
      'a Map is read as pairs: its Authorization is the caller’s',
      () => ({
        headers: new Map([
          ['Authorization', 'Basic mine'],
          ['X-A', '1'],
        ]) as unknown as HeadersInit,
      }),
      [
        ['authorization', 'Basic mine'],
        ['x-a', '1'],
      ],
    ],
    [
      'a one-shot generator is read once, and kept for the replay',
      () => ({
        headers: (function* () {
          yield ['X-A', '1'];
        })() as unknown as HeadersInit,
      }),
      [
        ['authorization', 'Bearer tok'],
        ['x-a', '1'],
      ],
    ],
    ['null headers fail as fetch fails', () => ({ headers: null as unknown as HeadersInit }), 'TypeError'],
    [
      'inherited keys are not headers',
      () => ({ headers: Object.create({ Authorization: 'Basic inherited' }) }),
      [['authorization', 'Bearer tok']],
    ],
  ];
  for (const [name, makeInit, expected] of cases)
    it(name, async () => {
      expect(slowPath(URL_, makeInit(), 'tok')).toEqual(expected);
      expect((await viaAuthFetch(URL_, makeInit())).first).toEqual(expected);
    });
});
