// The entry `agent-farm-state/embedded`: everything `agent-farm-state` exports, with
// sql.js's WebAssembly carried inside the JavaScript, for programs that must ship as
// one file. The `wasmPath` option and AF_SQLJS_WASM still take precedence.
import { Buffer } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import { setDefaultWasmSource } from './index.js';

/**
 * sql.js's `.wasm`, gzip-compressed and base64-encoded. The build defines it in a
 * module beside the bundle that the ES module and the CommonJS entry share (one
 * copy in the package); run from the sources it is absent and the file is used.
 */
declare const AF_EMBEDDED_WASM: string | undefined;

if (typeof AF_EMBEDDED_WASM === 'string') {
  const packed = AF_EMBEDDED_WASM;
  setDefaultWasmSource({
    description: 'the copy embedded in agent-farm-state/embedded',
    bytes: () => gunzipSync(Buffer.from(packed, 'base64')),
  });
}

export * from './index.js';
