// One AuthError across builds: the ESM and CJS files in dist/ (built by `npm test` before vitest) each define the
// class, and an app that mixes them (jest beside ESM code, a CJS library beside an ESM app) must still get
// `instanceof AuthError`. test/consumers runs the same check from the packed tarball.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AuthError as SourceAuthError } from 'keycard';

const dist = (file: string) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url));
type Build = { AuthError: typeof SourceAuthError };

describe('AuthError across builds', async () => {
  const esm = (await import(/* @vite-ignore */ dist('index.mjs'))) as Build;
  const cjs = createRequire(import.meta.url)(dist('index.cjs')) as Build;

  it('two classes, one brand: each build recognises the other’s errors', () => {
    expect(esm.AuthError).not.toBe(cjs.AuthError);
    const fromCjs = new cjs.AuthError('network', 'POST /auth/refresh failed');
    const fromEsm = new esm.AuthError('session_expired', 'POST /auth/refresh answered 401', { status: 401 });
    expect(fromCjs).toBeInstanceOf(esm.AuthError);
    expect(fromEsm).toBeInstanceOf(cjs.AuthError);
    expect(fromCjs).toBeInstanceOf(SourceAuthError);
    expect(fromEsm).toBeInstanceOf(Error);
    expect(fromEsm).toMatchObject({ name: 'AuthError', code: 'session_expired', status: 401 });
  });

  it('a look-alike is not one, and a subclass keeps the ordinary check', () => {
    const fake = Object.assign(new Error('x'), { name: 'AuthError', code: 'network' });
    for (const AuthError of [esm.AuthError, cjs.AuthError, SourceAuthError]) {
      expect(fake instanceof AuthError).toBe(false);
      expect((null as unknown) instanceof AuthError).toBe(false);
      expect(('AuthError' as unknown) instanceof AuthError).toBe(false);
    }
    class Special extends esm.AuthError {}
    expect(new Special('network', 'x')).toBeInstanceOf(cjs.AuthError);
    expect(new cjs.AuthError('network', 'x') instanceof Special).toBe(false);
  });
});
