// Types of run.mjs, for hermes.test.ts.
import type { RnVersion } from './versions.mjs';
export declare const HERMES: string;
export declare function hermesVersion(): string;
export declare function prepare(
  version: RnVersion,
  which?: 'run' | 'hermes-stable',
): Promise<{ file: string; fixture: string; rnDir: string; keycard: { integrity: string; files: string[] } }>;
export interface Launch {
  // biome-ignore lint/suspicious/noExplicitAny: each event kind carries its own shape, read by the test that expects it
  events: Array<{ kind: string; value: any }>;
  status: number | null;
  stdout: string;
  stderr: string;
}
export declare function launch(version: RnVersion, file: string, device: Record<string, unknown>): Launch;
export declare function compileWithOwnHermesc(
  version: RnVersion,
  file: string,
  rnDir: string,
): Promise<{ status: number | null; stderr: string; version: string }>;
