// Types of runtimes.mjs, for the tests that run a script on every runtime.
export interface Runtime {
  path: string;
  version: string;
}
export declare const runtimesDir: string;
export declare const platformArch: string;
export declare function locateRuntimes(): Record<string, Runtime | undefined>;
export declare function runtimeArgs(name: string, script: string, v8Flags?: string[]): string[];
