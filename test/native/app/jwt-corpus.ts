// Hostile JWTs for the hand-written decoder (src/tokens.ts), decoded on the Hermes VM by the walk (walk.tsx) and
// compared with jose's answer in Node (hermes.test.ts): malformed UTF-8 is refused by the engine's own
// decodeURIComponent, which is what React Native runs. Each token's header is {"alg":"none"} unless its name says.
export const JWT_CORPUS: ReadonlyArray<readonly [name: string, token: string]> = [
  ['non-ASCII claims', 'eyJhbGciOiJub25lIn0.eyJuYW1lIjoiWm_DqyDDhW5nc3Ryw7ZtIOKckyIsImsiOiLwn5SRIn0.'],
  ['a byte-order mark before the claims', 'eyJhbGciOiJub25lIn0.77u_eyJzdWIiOiJhIn0.'],
  ['two byte-order marks', 'eyJhbGciOiJub25lIn0.77u_77u_e30.'],
  ['a byte-order mark before the header', '77u_eyJhbGciOiJub25lIn0.eyJzdWIiOiJoIn0.'],
  ['an overlong /', 'eyJhbGciOiJub25lIn0.eyJhIjoiwK8ifQ.'],
  ['an overlong / in three bytes', 'eyJhbGciOiJub25lIn0.eyJhIjoi4ICvIn0.'],
  ['an encoded surrogate', 'eyJhbGciOiJub25lIn0.eyJhIjoi7aCAIn0.'],
  ['past U+10FFFF', 'eyJhbGciOiJub25lIn0.eyJhIjoi9JCAgCJ9.'],
  ['a cut sequence', 'eyJhbGciOiJub25lIn0.eyJhIjoi4oIifQ.'],
  ['a lone continuation byte', 'eyJhbGciOiJub25lIn0.eyJhIjoigCJ9.'],
  ['a noncharacter (valid UTF-8)', 'eyJhbGciOiJub25lIn0.eyJhIjoi77--In0.'],
  ['a NUL in a string', 'eyJhbGciOiJub25lIn0.eyJhIjoiACJ9.'],
  ['an escaped lone surrogate', 'eyJhbGciOiJub25lIn0.eyJhIjoiXHVkODAwIn0.'],
  ['a payload that is an array', 'eyJhbGciOiJub25lIn0.WzFd.'],
  ['a header that is not JSON', 'aGVsbG8.e30.'],
  ['a length that is 1 mod 4', 'eyJhbGciOiJub25lIn0.eyJhIjoxfQA.'],
  ['other trailing bits', 'eyJhbGciOiJub25lIn0.e3x.'],
];
