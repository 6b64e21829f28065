// Builds the package: copies sql.js's WebAssembly into wasm/ and bundles the library
// and the `af` bin with esbuild.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
mkdirSync('wasm', { recursive: true });
copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), 'wasm/sql-wasm.wasm');

const common = { bundle: true, platform: 'node', target: 'node18', packages: 'external', logLevel: 'warning' };
await build({ ...common, entryPoints: ['lib/index.ts'], outfile: 'dist/index.js', format: 'esm' });
await build({ ...common, entryPoints: ['scripts/demo.ts'], outfile: 'dist/demo.js', format: 'esm' });
