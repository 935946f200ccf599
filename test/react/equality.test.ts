import { describe, expect, it } from 'vitest';
import { sameUser } from 'keycard/react';

describe('sameUser', () => {
  const alice = {
    sub: 'alice',
    name: 'Alice',
    roles: ['admin'],
    org: { id: 7, tags: ['x'] },
    iat: 1,
    exp: 301,
    nbf: 1,
    jti: 'a',
  };

  it('ignores iat, exp, nbf and jti, and compares the rest deeply', () => {
    expect(
      sameUser(alice, { ...alice, roles: ['admin'], org: { id: 7, tags: ['x'] }, iat: 2, exp: 302, nbf: 2, jti: 'b' }),
    ).toBe(true);
    expect(sameUser(alice, { sub: 'alice', name: 'Alice', roles: ['admin'], org: { tags: ['x'], id: 7 } })).toBe(true);
  });

  it('sees any other claim change', () => {
    expect(sameUser(alice, { ...alice, sub: 'bob' })).toBe(false);
    expect(sameUser(alice, { ...alice, roles: ['admin', 'dev'] })).toBe(false);
    expect(sameUser(alice, { ...alice, org: { id: 8, tags: ['x'] } })).toBe(false);
    expect(sameUser(alice, { ...alice, email: 'a@example.com' })).toBe(false);
    expect(sameUser({ ...alice, email: undefined }, { ...alice, name2: undefined })).toBe(false);
    expect(sameUser({ sub: 'a', roles: [] }, { sub: 'a', roles: {} })).toBe(false);
  });

  it('handles null (opaque tokens, signed out)', () => {
    expect(sameUser(null, null)).toBe(true);
    expect(sameUser(alice, null)).toBe(false);
    expect(sameUser(null, alice)).toBe(false);
  });
});
