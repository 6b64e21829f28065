// The host's choice of V8's baseline compiler for all its WebAssembly, not only sql.js's.
import { setFlagsFromString } from 'node:v8';

let chosen = false;

/**
 * Asks V8 to compile all WebAssembly of this process, not only sql.js's, with its
 * baseline compiler only (`--liftoff-only`), for a host that wants that too. sql.js
 * gets it without this call. The flag is process-wide: call it before the first open.
 * Returns false where the runtime has no V8 flags.
 */
export function preferBaselineWasmCompiler(): boolean {
  try {
    setFlagsFromString('--liftoff-only');
    chosen = true;
    return true;
  } catch {
    return false;
  }
}

/** preferBaselineWasmCompiler() was called and applied: V8's flags are the host's choice. */
export function baselineChosenForAll(): boolean {
  return chosen;
}
