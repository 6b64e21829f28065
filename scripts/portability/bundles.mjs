// 4. A consumer bundled by esbuild into one file runs with no configuration: with the
// `.wasm` copied beside it, or through the embedded entry.
import { copyFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { smokeEsm } from './consumer-scripts.mjs';
import { consumer, restrictedPath } from './install.mjs';
import { check, environment, lastJson, newProject, smokeBlocks, succeed, work } from './runner.mjs';
import { runtimeArgs } from './runtimes.mjs';

export async function bundles(runtimes) {
  const source = join(consumer, 'app.mjs');
  writeFileSync(source, smokeEsm('agent-farm-state'));
  writeFileSync(join(consumer, 'app-embedded.mjs'), smokeEsm('agent-farm-state/embedded'));
  const env = environment({ PATH: restrictedPath });
  for (const entry of ['main', 'embedded']) {
    for (const format of ['esm', 'cjs']) {
      const outDir = join(work, 'bundles', `${entry}-${format}`);
      const outfile = join(outDir, format === 'esm' ? 'app.mjs' : 'app.cjs');
      const built = await check(
        `esbuild bundles a consumer of the ${entry} entry into one ${format} file${entry === 'main' ? ', the .wasm copied beside it' : ''}`,
        async () => {
          await build({
            entryPoints: [entry === 'main' ? source : join(consumer, 'app-embedded.mjs')],
            bundle: true,
            platform: 'node',
            format,
            outfile,
            logLevel: 'error',
          });
          if (entry === 'main')
            copyFileSync(
              join(consumer, 'node_modules', 'agent-farm-state', 'wasm', 'sql-wasm.wasm'),
              join(outDir, 'sql-wasm.wasm'),
            );
          const files = readdirSync(outDir);
          return `${outDir.slice(work.length + 1)}: ${files.join(', ')}`;
        },
      );
      if (!built) continue;
      for (const [name, runtime] of Object.entries(runtimes)) {
        await check(`${name}: the one-file ${format} bundle of the ${entry} entry runs`, async () => {
          const { stdout } = await succeed(runtime.path, runtimeArgs(name, outfile), {
            cwd: newProject(`bundle-${entry}-${format}-${name.replace(' ', '')}`),
            env,
          });
          const { basePort } = lastJson(stdout);
          smokeBlocks.push(basePort);
          return `base port ${basePort}`;
        });
      }
    }
  }
}
