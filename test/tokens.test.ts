import { describe, expect, it } from 'vitest';
import { parseTokens, expiresAt, refreshAt } from '../src/tokens';
import { AuthError } from 'keycard';
import { jwt } from './helpers';

const NOW = Date.UTC(2026, 0, 1, 12);
const HOUR = 3600;
const s = (ms: number) => Math.floor(ms / 1000);

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError);
    return (error as AuthError).code;
  }
  throw new Error('did not throw');
};

describe('lifetime on the local clock', () => {
  // The server's clock is `skew` seconds off ours; the lifetime must come out at 300 s regardless.
  for (const skew of [-HOUR, 0, HOUR]) {
    it(`exp - iat ignores a server clock ${skew} s off`, () => {
      const iat = s(NOW) + skew;
      const t = parseTokens({ access_token: jwt({ iat, exp: iat + 300 }), expires_in: 999 }, NOW, null);
      expect(t.lifetime).toBe(300_000);
      expect(expiresAt(t)).toBe(NOW + 300_000);
    });

    it(`expires_in is used when the JWT has no iat (server ${skew} s off)`, () => {
      const t = parseTokens({ access_token: jwt({ exp: s(NOW) + skew + 300 }), expires_in: 300 }, NOW, null);
      expect(t.lifetime).toBe(300_000);
    });

    it(`exp alone is measured against the Date header (server ${skew} s off)`, () => {
      const serverNow = NOW + skew * 1000;
      const t = parseTokens({ access_token: jwt({ exp: s(serverNow) + 300 }) }, NOW, new Date(serverNow).toUTCString());
      expect(t.lifetime).toBe(300_000);
      expect(expiresAt(t)).toBe(NOW + 300_000);
    });
  }

  it('exp alone without a Date header falls back to the local clock', () => {
    const t = parseTokens({ access_token: jwt({ exp: s(NOW) + 120 }) }, NOW, null);
    expect(t.lifetime).toBe(120_000);
  });

  // No Date header to read exp against (another origin's, unless CORS exposes it), and a device clock that would read a
  // fresh token as expired: used until a 401, never refused (a login then failed with invalid_response).
  it('exp alone without a Date header, on a device clock ahead by more than the token lives: no lifetime, not refused', () => {
    for (const ahead of [7 * HOUR, 121])
      expect(parseTokens({ access_token: jwt({ exp: s(NOW) + 60 }) }, NOW + ahead * 1000, null).lifetime).toBeNull();
  });

  it('exp alone without a Date header, on a device clock decades back (1970): no lifetime, not refused', () => {
    expect(parseTokens({ access_token: jwt({ exp: s(NOW) + 300 }) }, 0, null).lifetime).toBeNull();
  });

  it('an opaque token with no expiry has no lifetime (used until a 401)', () => {
    const t = parseTokens({ access_token: 'opaque-token-value' }, NOW, null);
    expect(t).toMatchObject({ claims: null, lifetime: null });
    expect(expiresAt(t)).toBeNull();
    expect(refreshAt(t, 60_000)).toBeNull();
  });

  it('a dotted token whose header is not a JWT header is opaque (PASETO, vendor formats)', () => {
    for (const token of [
      'abc.def.ghi',
      'v4.local.c2VjcmV0LWJsb2I',
      'eyJhbGciOiJIUzI1NiJ9.%%%.sig',
      `${Buffer.from('nope').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.c2ln`,
    ]) {
      const t = parseTokens({ access_token: token, expires_in: 300 }, NOW, null);
      expect(t).toMatchObject({ accessToken: token, claims: null, lifetime: 300_000 });
    }
  });

  it('an opaque token with expires_in', () => {
    expect(parseTokens({ access_token: 'abc', expires_in: 90 }, NOW, null).lifetime).toBe(90_000);
  });
});

describe('lifetime is the shortest measure offered (API.md Expiry; issue 13 item 7)', () => {
  const date = (ms: number) => new Date(ms).toUTCString();
  it('a server that copies a stale iat (SimpleJWT before PR #888): expires_in and the Date header win', () => {
    // A 6 s token whose iat is the refresh token's, 5 s earlier: exp - iat says 11 s, the truth is 6 s.
    const now = s(NOW);
    const token = jwt({ iat: now - 5, exp: now + 6 });
    expect(parseTokens({ access_token: token, expires_in: 6 }, NOW, null).lifetime).toBe(6_000);
    expect(parseTokens({ access_token: token }, NOW, date(NOW)).lifetime).toBe(6_000);
    // Without expires_in and Date, exp - iat is all there is (the local clock is never compared with exp then).
    expect(parseTokens({ access_token: token }, NOW, null).lifetime).toBe(11_000);
  });

  it('a token handed back again (issued earlier) is measured by what is left on the server clock', () => {
    const serverNow = NOW + 3 * HOUR * 1000; // and the server's clock is hours off ours: no matter
    const token = jwt({ iat: s(serverNow) - 200, exp: s(serverNow) + 100 });
    expect(parseTokens({ access_token: token, expires_in: 300 }, NOW, date(serverNow)).lifetime).toBe(100_000);
  });

  it('expires_in shorter than exp - iat wins, and the other way round', () => {
    const token = jwt({ iat: s(NOW), exp: s(NOW) + 300 });
    expect(parseTokens({ access_token: token, expires_in: 120 }, NOW, null).lifetime).toBe(120_000);
    expect(parseTokens({ access_token: token, expires_in: 900 }, NOW, null).lifetime).toBe(300_000);
  });

  it('already expired by the server clock: due at once, not refused', () => {
    const token = jwt({ iat: s(NOW) - 600, exp: s(NOW) - 300 });
    expect(parseTokens({ access_token: token, expires_in: 300 }, NOW, date(NOW)).lifetime).toBe(1);
  });

  it('a bogus Date header decades off never lengthens a lifetime and never refuses a token', () => {
    const token = jwt({ iat: s(NOW), exp: s(NOW) + 300 });
    expect(parseTokens({ access_token: token }, NOW, date(0)).lifetime).toBe(300_000);
  });

  it('with exp alone, a bogus Date header decades off leaves the local clock to judge exp', () => {
    expect(parseTokens({ access_token: jwt({ exp: s(NOW) + 300 }) }, NOW, date(0)).lifetime).toBe(300_000);
    // An exp decades ahead is refused whatever the Date header says.
    const absurd = jwt({ exp: s(NOW) + 20 * 365 * 24 * HOUR });
    expect(code(() => parseTokens({ access_token: absurd }, NOW, date(0)))).toBe('invalid_response');
    expect(code(() => parseTokens({ access_token: absurd }, NOW, date(NOW)))).toBe('invalid_response');
    // Without a Date header the local clock can't tell an absurd exp from a clock decades behind: used until a 401.
    expect(parseTokens({ access_token: absurd }, NOW, null).lifetime).toBeNull();
  });
});

describe('an access token that is not a valid HTTP header value is invalid_response', () => {
  const BAD = ['a\r\nb', 'a\nb', 'a\rb', 'a\tb', 'a\u0000b', 'a\u007fb', 'aéb', 'a\u2028b', '😀', ' a', 'a '];
  for (const token of BAD)
    it(JSON.stringify(token), () =>
      expect(code(() => parseTokens({ access_token: token, expires_in: 300 }, NOW, null))).toBe('invalid_response'),
    );
  it('visible ASCII (b64token and beyond) and inner spaces are fine', () => {
    for (const token of ['abc-._~+/=', 'a:b|c', 'v2.local.abc def'])
      expect(parseTokens({ access_token: token }, NOW, null).accessToken).toBe(token);
  });
});

describe('refresh time', () => {
  const tokens = (lifetime: number) => parseTokens({ access_token: 'x', expires_in: lifetime }, NOW, null);
  it('is lead time before expiry', () => expect(refreshAt(tokens(300), 60_000)).toBe(NOW + 240_000));
  it('is never earlier than half the lifetime (a 20 s token refreshes at 10 s)', () =>
    expect(refreshAt(tokens(20), 60_000)).toBe(NOW + 10_000));
  it('with zero lead is at expiry', () => expect(refreshAt(tokens(300), 0)).toBe(NOW + 300_000));
});

describe('bad token responses are invalid_response', () => {
  const cases: Array<[string, unknown]> = [
    ['null', null],
    ['an array', [{ access_token: 'x' }]],
    ['a string', 'access_token'],
    ['no access_token', { token_type: 'Bearer' }],
    ['an empty access_token', { access_token: '' }],
    ['a numeric access_token', { access_token: 42 }],
    ['a negative expires_in', { access_token: 'x', expires_in: -5 }],
    ['a zero expires_in', { access_token: 'x', expires_in: 0 }],
    ['a NaN expires_in', { access_token: 'x', expires_in: Number.NaN }],
    ['a string expires_in', { access_token: 'x', expires_in: '300' }],
    ['a huge expires_in', { access_token: 'x', expires_in: 1e300 }],
    ['exp before iat', { access_token: jwt({ iat: 100, exp: 50 }) }],
    ['a JWT with a non-JSON payload', { access_token: 'eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.sig' }],
    ['a JWT whose payload is not base64url JSON', { access_token: 'eyJhbGciOiJIUzI1NiJ9.bbb.ccc' }],
    ['a 1 MB token', { access_token: 'a'.repeat(1 << 20) }],
    ['a refresh_token that is a number', { access_token: 'x', refresh_token: 7 }],
  ];
  for (const [name, body] of cases)
    it(name, () => expect(code(() => parseTokens(body, NOW, null))).toBe('invalid_response'));

  it('never puts the token in the message', () => {
    const secret = jwt({ iat: 100, exp: 50, secret: 'x' });
    try {
      parseTokens({ access_token: secret }, NOW, null);
    } catch (error) {
      expect(String((error as Error).message)).not.toContain(secret);
      expect(String((error as Error).message)).not.toContain(secret.split('.')[1]);
    }
  });
});

it('decodes claims without verifying them', () => {
  const t = parseTokens(
    { access_token: jwt({ sub: 'alice', roles: ['admin'], iat: 1, exp: 301 }), refresh_token: 'r1' },
    NOW,
    null,
  );
  expect(t.claims).toMatchObject({ sub: 'alice', roles: ['admin'] });
  expect(t.refreshToken).toBe('r1');
});
