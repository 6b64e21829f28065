// The annotation viewer's process: an internal entry of the `af` bin, not a command.
// `af annotate` starts this same program again as
//   node <af> _serve <file> --port <port> --root <project>
// and bin/af.ts, seeing the marker `_serve` as the first argument, runs the viewer
// here instead of the command-line program, so the viewer is in no help text and no
// user command can collide with it. The viewer reports 'ready' over the IPC
// channel once it listens (see launchServer in lib/farm/launch.ts). Its command line
// is made in lib/farm/annotation-viewer-command.ts.
import { cac } from 'cac';
import { resolve } from 'node:path';
import { InvalidInputError } from '../engine/index.js';
import { serveFile } from '../farm/annotation-server.js';
import { VIEWER_MARKER } from '../farm/annotation-viewer-command.js';
import { readSecret, secretPath } from '../farm/secret.js';
import { action } from './action.js';
import { note } from './io.js';
import { projectRoot } from './stores.js';

/** Whether this process was started as an annotation viewer. */
export function isAnnotationViewer(argv: readonly string[] = process.argv): boolean {
  return argv[2] === VIEWER_MARKER;
}

/** Serves the file the arguments after the marker name. */
export async function runAnnotationViewer(argv: readonly string[] = process.argv): Promise<void> {
  const cli = cac(`af ${VIEWER_MARKER}`);
  cli
    .command('<file>', 'Serve one file read-only on 127.0.0.1')
    .option('--port <port>', 'The port to listen on')
    .option('--root <folder>', 'The project: the file must stay inside it')
    .action(action(serve));
  cli.parse([argv[0]!, argv[1]!, ...argv.slice(3)], { run: false });
  await cli.runMatchedCommand();
}

async function serve(file: unknown, options: { port?: unknown; root?: unknown }): Promise<void> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new InvalidInputError(`--port should be a port number, got ${JSON.stringify(options.port)}.`);
  const path = resolve(String(file));
  const root = resolve(String(options.root ?? projectRoot()));
  try {
    const secret = readSecret(secretPath(root));
    if (secret === undefined)
      throw new InvalidInputError(
        `there is no farm secret at ${secretPath(root)}; start the viewer with "af annotate".`,
      );
    await serveFile(path, port, { root, secret });
  } catch (error) {
    // The channel to af annotate would keep this process alive.
    if (process.connected) process.disconnect();
    throw error;
  }
  note(`serving ${path} read-only on http://127.0.0.1:${port}/`);
  process.send?.('ready');
}
