// Compiling sql.js's WebAssembly with V8's baseline compiler (Liftoff) alone, without
// changing how the host's own WebAssembly compiles. SQLite runs for moments at a time
// in a short process (a query, a commit): V8's optimising compiler, working in
// background threads, costs such a process more than it ever gets back (on two cores,
// half its throughput). V8 decides a module's tiering when it creates the module, from
// its flags: with lazy compilation and tier-up off, every function is compiled there and
// then by Liftoff, and no tier-up is ever planned for it. So the flags are set for the
// one synchronous compile and set back at once; a module compiled afterwards tiers up
// as before (test/package/wasm-compiler.test.ts watches both on every runtime).
import { setFlagsFromString } from 'node:v8';
import { baselineChosenForAll } from './prefer-baseline.js';

/** The flags around the compile: all functions at once, by Liftoff, never recompiled. */
const BASELINE_ONLY = '--no-wasm-tier-up --no-wasm-dynamic-tiering --no-wasm-lazy-compilation';
/** A host that named any of these when it started chose for itself: its flags are left alone. */
const TIERING_FLAG = /--(no-?)?(liftoff|liftoff-only|wasm-tier-up|wasm-dynamic-tiering|wasm-lazy-compilation)\b/;

/**
 * V8's own values of the flags, set back after the compile. Lazy compilation became
 * V8's default in version 11 (Node.js 20); Node.js 18 compiles eagerly.
 */
function v8Defaults(v8Version: string): string {
  const lazy = Number.parseInt(v8Version, 10) >= 11;
  return `--wasm-tier-up --wasm-dynamic-tiering --${lazy ? '' : 'no-'}wasm-lazy-compilation`;
}

/**
 * Whether this process's flags are V8's defaults as far as tiering goes, and this code may
 * set them. Bun is not V8; Deno freezes V8's flags once started (a set is ignored).
 */
function mayTouchFlags(): boolean {
  const { bun, deno, v8 } = process.versions as Record<string, string | undefined>;
  if (baselineChosenForAll() || bun !== undefined || deno !== undefined || !v8) return false;
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? '', process.env.DENO_V8_FLAGS ?? ''].join(' ');
  return !TIERING_FLAG.test(given.replaceAll('_', '-')); // V8 takes --wasm_tier_up as --wasm-tier-up
}

/** `bytes` compiled for sql.js: by Liftoff alone where this runtime lets it, else as the runtime compiles by default. */
export function compileBaseline(bytes: Uint8Array): WebAssembly.Module {
  if (!mayTouchFlags()) return new WebAssembly.Module(bytes);
  try {
    setFlagsFromString(BASELINE_ONLY);
  } catch {
    return new WebAssembly.Module(bytes); // a runtime without V8's flags
  }
  try {
    // Synchronous: an asynchronous compile would read the flags later, in other threads.
    return new WebAssembly.Module(bytes);
  } finally {
    setFlagsFromString(v8Defaults(process.versions.v8));
  }
}
