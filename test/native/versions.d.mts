// Types of versions.mjs.
export interface RnVersion {
  name: string;
  reactNative: string;
  integrity: string;
  preset: string;
  packageExports: boolean;
  bridgeless: boolean;
  runProfile: 'hermes-stable' | 'default';
  engineBuiltins: string[];
  hermesc: { spec?: string; integrity?: string; path: string };
  runtimeDeps: Record<string, string>;
  appDeps: Record<string, string>;
}
export declare const VERSIONS: RnVersion[];
