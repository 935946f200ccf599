import { describe, expect, it } from 'vitest';
import { createOriginPolicy } from '../src/origins';

describe('origin policy', () => {
  const allowed = createOriginPolicy(undefined, 'https://auth.test/base');

  it.each([
    ['https://auth.test', true],
    ['https://auth.test/api?q=1', true],
    ['https://auth.test?x', true],
    ['https://auth.test#x', true],
    ['HTTPS://AUTH.TEST/api', true],
    ['https://auth.test:443/api', true],
    ['/relative/to/base', true],
    ['https://auth.test.evil.test/api', false],
    ['https://auth.test@evil.test/api', false],
    // WHATWG URL reads a backslash as a path separator: this one really goes to auth.test.
    ['https://auth.test\\@evil.test/api', true],
    ['https://auth.test:8443/api', false],
    ['http://auth.test/api', false],
    ['https://evil.test/https://auth.test', false],
    ['//evil.test/x', false],
    ['http://[::1', false],
  ])('%s → %s', (url, expected) => expect(allowed(url)).toBe(expected));

  it('judges a URL by its href (what fetch sends)', () => {
    expect(allowed(String(new URL('https://auth.test/x')))).toBe(true);
    expect(allowed(String(new URL('https://evil.test/x')))).toBe(false);
  });

  it('RegExp entries test the origin, not the path', () => {
    const policy = createOriginPolicy([/^https:\/\/api\.test$/], 'https://auth.test');
    expect(policy('https://api.test/x')).toBe(true);
    expect(policy('https://evil.test/https://api.test')).toBe(false);
    expect(policy('https://auth.test/x')).toBe(false);
  });

  it('a global RegExp does not flip between calls', () => {
    const policy = createOriginPolicy([/api\.test/g], 'https://auth.test');
    expect([policy('https://api.test/1'), policy('https://api.test/2'), policy('https://api.test/3')]).toEqual([
      true,
      true,
      true,
    ]);
  });

  it('rejects a bad baseUrl or apiOrigins entry with a TypeError naming it', () => {
    expect(() => createOriginPolicy(undefined, 'auth.test')).toThrow(/baseUrl "auth.test"/);
    expect(() => createOriginPolicy(['api'], 'https://auth.test')).toThrow(/apiOrigins entry "api"/);
  });

  // Each would otherwise withhold the token from the app's API without a word (an entry neither a string nor a
  // RegExp was skipped), or fail with a TypeError of keycard's internals (a bare string has no filter()).
  it.each([
    ['a bare string', 'https://api.test'],
    ['a URL entry', [new URL('https://api.test')]],
    ['a number entry', [42]],
    ['a Set', new Set(['https://api.test'])],
  ])('rejects %s for apiOrigins with a TypeError saying what it takes', (_name, rule) => {
    expect(() => createOriginPolicy(rule as never, 'https://auth.test')).toThrow(
      new TypeError('keycard: apiOrigins must be a function or an array of origin strings and RegExps'),
    );
  });
});
