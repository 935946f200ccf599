// The real Python servers the tests start (Debian's packages, Debian's /usr/bin/python3): each script binds
// 127.0.0.1 on a free port, prints the port, and exits when its stdin closes, so it never outlives the test.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';

/**
 * Whether Python can import `modules` (comma-separated). If not, one line says which Debian package is missing and
 * that the test skips, or, in CI, fails.
 */
export function hasPython(modules: string, debianPackage: string, test: string): boolean {
  const present = spawnSync(PYTHON, ['-c', `import ${modules}`], { stdio: 'ignore' }).status === 0;
  if (!present)
    console.warn(
      `[keycard] ${debianPackage} is missing: ${process.env.CI ? 'FAILING, since CI is set' : `SKIPPING the ${test} test`}.`,
    );
  return present;
}

/** Starts `script` with `env` added; resolves with its `http://127.0.0.1:<port>` and `stop()`. */
export async function startPython(script: URL, env: Record<string, string>): Promise<{ url: string; stop(): void }> {
  const server = spawn(PYTHON, [fileURLToPath(script)], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    server.once('error', reject);
    server.once('exit', (code) => reject(new Error(`${script.pathname} exited with ${code}`)));
    server.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => server.stdin.end() };
}
