// Types of packages.mjs.
export declare const repoRoot: string;
export declare const cacheRoot: string;
export declare function unpack(spec: string, integrity: string, dir: string): Promise<string>;
export declare function installInto(dir: string, dependencies: Record<string, string>): Promise<void>;
