// The TokenStorage recipes of examples/react-native, type-checked against the
// real type declarations of the libraries they wrap. react-native-keychain is
// a devDependency (no dependencies, no peers) and `npm run typecheck` covers
// keychain-storage.ts. expo-secure-store can't be one (its peer `expo` would
// install Expo), so its published declarations are fetched with `npm pack`
// (pinned, integrity checked) and the recipe is checked against them here.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cacheRoot, repoRoot, unpack } from './packages.mjs';

const EXPO_SECURE_STORE = 'expo-secure-store@57.0.4';
const INTEGRITY = 'sha512-7zBA1RThURTXdP4w65kBzZNbcSsfArqVd+p+ETAnPRWXO8J296Qd0YaCVyRpJ0HSwlCnGdvOnqO+NgSreHsOhA==';

/** tsc over `files` with expo-secure-store mapped to its published declarations (not examples/react-native/types.d.ts). */
async function typecheck(files: string[]): Promise<{ status: number | null; output: string }> {
  const dir = await unpack(EXPO_SECURE_STORE, INTEGRITY, join(cacheRoot, 'expo-secure-store-57.0.4'));
  const work = mkdtempSync(join(tmpdir(), 'keycard-storage-types-'));
  onTestFinished(() => rmSync(work, { recursive: true, force: true }));
  const config = {
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      lib: ['ES2022', 'DOM'],
      types: [],
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      paths: {
        keycard: [join(repoRoot, 'src', 'index.ts')],
        'expo-secure-store': [join(dir, 'build', 'SecureStore.d.ts')],
      },
    },
    files: files.map((file) => (file.startsWith('/') ? file : join(repoRoot, file))),
  };
  writeFileSync(join(work, 'tsconfig.json'), JSON.stringify(config));
  const out = spawnSync(
    process.execPath,
    [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(work, 'tsconfig.json')],
    { encoding: 'utf8' },
  );
  return { status: out.status, output: out.stdout + out.stderr };
}

describe('TokenStorage recipes against the real library types', () => {
  it('expo-secure-store (examples/react-native/secure-storage.ts)', async () => {
    const result = await typecheck(['examples/react-native/secure-storage.ts']);
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  }, 60_000);

  it('the check catches a recipe that misuses the library', async () => {
    const work = mkdtempSync(join(tmpdir(), 'keycard-storage-wrong-'));
    onTestFinished(() => rmSync(work, { recursive: true, force: true }));
    const wrong = join(work, 'wrong.ts');
    writeFileSync(
      wrong,
      `import * as SecureStore from 'expo-secure-store';\nimport type { TokenStorage } from 'keycard';\n` +
        `export const s: TokenStorage = { get: (k) => SecureStore.getItemAsync(k, { keychainAccessible: 'always' }), set: SecureStore.setItemAsync, remove: SecureStore.deleteItemAsync };\n`,
    );
    const result = await typecheck([wrong]);
    expect(result.status).not.toBe(0);
    expect(result.output).toMatch(/keychainAccessible|KeychainAccessibilityConstant|not assignable/);
  }, 60_000);
});
