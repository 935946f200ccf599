// The core decodes a JWT by hand (src/tokens.ts) where it once called jose's decodeProtectedHeader and decodeJwt.
// The hand decoder is the fast path, jose the slow one: over hostile tokens both must give the same answer, as
// parseTokens reads it (claims, opaque, or a broken JWT). Hostile means what a server, a proxy or an attacker can put
// in a token response: byte-order marks, malformed or overlong UTF-8, encoded surrogates, bytes that are no JSON,
// base64url of every length and trailing bits, padding and other alphabets, any number of parts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuthError } from '../src/errors';
import { parseTokens } from '../src/tokens';
import { viaJose, type JwtAnswer as Answer } from './jwt-reference';

/** The fast path, as a token response's access token. */
function viaKeycard(token: string): Answer {
  try {
    return { claims: parseTokens({ access_token: token }, 0, null).claims };
  } catch (error) {
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).message).toBe('access_token is a JWT with an undecodable payload');
    return { broken: true };
  }
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const BOM = [0xef, 0xbb, 0xbf];

// Claims as a server writes them, minus `exp` and `iat`, whose absurd values parseTokens refuses for another reason.
const json = fc
  .oneof(fc.jsonValue(), fc.dictionary(fc.string({ unit: 'binary' }), fc.jsonValue()))
  .map((value) => JSON.stringify(value, (key, v) => (key === 'exp' || key === 'iat' ? undefined : v)) ?? 'null');

/** UTF-8 text, then a hostile edit: nothing, a byte-order mark or two, a stray byte, an encoded surrogate, a cut. */
const bytes = fc.oneof(
  fc.tuple(json, fc.constantFrom('none', 'bom', 'two boms', 'bom after space')).map(([text, edit]) => {
    const body = [...utf8(text)];
    if (edit === 'bom') return Uint8Array.from([...BOM, ...body]);
    if (edit === 'two boms') return Uint8Array.from([...BOM, ...BOM, ...body]);
    if (edit === 'bom after space') return Uint8Array.from([0x20, ...BOM, ...body]);
    return Uint8Array.from(body);
  }),
  fc
    .tuple(
      json,
      fc.nat(),
      fc.constantFrom(
        [0x80], // a continuation byte alone
        [0xc0, 0xaf], // an overlong '/'
        [0xe0, 0x80, 0xaf], // an overlong '/', three bytes
        [0xed, 0xa0, 0x80], // U+D800 encoded (CESU-8)
        [0xf4, 0x90, 0x80, 0x80], // past U+10FFFF
        [0xf8, 0x88, 0x80, 0x80, 0x80], // a five-byte form
        [0xe2, 0x82], // a cut sequence
        [0xff],
        [0xef, 0xbf, 0xbe], // U+FFFE: a noncharacter, valid UTF-8
        [0xf0, 0x9f, 0x94, 0x91], // U+1F511, valid
        [0x00],
      ),
    )
    .map(([text, at, insert]) => {
      const body = [...utf8(text)];
      const i = at % (body.length + 1);
      return Uint8Array.from([...body.slice(0, i), ...insert, ...body.slice(i)]);
    }),
  fc.uint8Array({ maxLength: 40 }),
);

/** One part of a token: base64url of those bytes (often with a last character changed), or any string. */
const part = fc.oneof(
  { weight: 4, arbitrary: bytes.map(base64url) },
  {
    weight: 2,
    // A changed last character: other trailing bits, or a length that is 1 mod 4 (no base64 at all).
    arbitrary: fc
      .tuple(bytes.map(base64url), fc.constantFrom(...'AQgwBRhx-_9Z'), fc.boolean())
      .map(([b64, c, replace]) => (replace && b64 ? b64.slice(0, -1) + c : b64 + c)),
  },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'eyJ0=+/-_ .~!AQgw', '%') }) },
  { weight: 1, arbitrary: bytes.map((b) => Buffer.from(b).toString('base64')) }, // padded, with + and /
);

const header = fc.constantFrom('{"alg":"HS256","typ":"JWT"}', '{"alg":"none"}').map((text) => base64url(utf8(text)));
const token = fc.oneof(
  // A well-formed header, so the payload is what is judged.
  { weight: 4, arbitrary: fc.tuple(header, part, part).map((p) => p.join('.')) },
  { weight: 3, arbitrary: fc.tuple(part, part, part).map((p) => p.join('.')) },
  { weight: 1, arbitrary: fc.array(part, { minLength: 1, maxLength: 6 }).map((p) => p.join('.')) },
  { weight: 1, arbitrary: fc.tuple(header, part).map(([h, p]) => `${h}.${p}.`) },
);

describe('the hand-written JWT decoder gives jose’s answer (the path it replaced)', () => {
  it('over 10,000 hostile tokens', () => {
    fc.assert(
      fc.property(token, (t) => {
        // Tokens that are no header value are refused before decoding: a separate rule (tokens.test.ts).
        fc.pre(/^[!-~]+$/.test(t));
        expect(viaKeycard(t)).toStrictEqual(viaJose(t));
      }),
      { numRuns: 10_000 },
    );
  });

  it('the generator reaches every answer: claims, opaque and broken, with and without a byte-order mark', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(token, (t) => {
        const answer = viaJose(t);
        const kind = 'broken' in answer ? 'broken' : answer.claims ? 'claims' : 'opaque';
        seen.add(kind);
        if (kind === 'claims' && t.split('.')[1]?.startsWith('77u_')) seen.add('claims after a byte-order mark');
      }),
      { numRuns: 5_000, seed: 1 },
    );
    expect([...seen].sort()).toEqual(['broken', 'claims', 'claims after a byte-order mark', 'opaque']);
  });

  // The cases the generator is there for, each written out.
  const jws = (payload: number[]) => `${base64url(utf8('{"alg":"none"}'))}.${base64url(Uint8Array.from(payload))}.`;
  const cases: Array<[string, number[], Answer]> = [
    [
      'a byte-order mark before the claims is dropped, as TextDecoder does',
      [...BOM, ...utf8('{"sub":"a"}')],
      { claims: { sub: 'a' } },
    ],
    ['two byte-order marks are not JSON', [...BOM, ...BOM, ...utf8('{}')], { broken: true }],
    ['non-ASCII claims decode', [...utf8('{"name":"Zoë 🔑"}')], { claims: { name: 'Zoë 🔑' } }],
    ['an overlong encoding is refused', [...utf8('{"a":"'), 0xc0, 0xaf, ...utf8('"}')], { broken: true }],
    ['an encoded surrogate is refused', [...utf8('{"a":"'), 0xed, 0xa0, 0x80, ...utf8('"}')], { broken: true }],
    ['a cut sequence is refused', [...utf8('{"a":"'), 0xe2, 0x82, ...utf8('"}')], { broken: true }],
  ];
  for (const [name, payload, answer] of cases)
    it(name, () => {
      expect(viaJose(jws(payload))).toStrictEqual(answer);
      expect(viaKeycard(jws(payload))).toStrictEqual(answer);
    });
});
