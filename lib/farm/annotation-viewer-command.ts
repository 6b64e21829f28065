// The annotation viewer's command line: this same `af` program started again with the
// marker `_serve` as its first argument (bin/af.ts then runs lib/cli/annotation-viewer.ts).
// Here, below both the CLI and the dashboard's server, because both launch viewers.
import { resolve } from 'node:path';

/** The first argument that makes the bin an annotation viewer. */
export const VIEWER_MARKER = '_serve';

/** The viewer's command line for `file` on `port` in the project at `root`: this same program, serving the file. */
export const annotationViewerArgv = (root: string) => (file: string, port: number) => [
  process.execPath,
  resolve(process.argv[1]!),
  VIEWER_MARKER,
  file,
  '--port',
  String(port),
  '--root',
  root,
];
