// The annotation viewer's server: one file, read-only, on 127.0.0.1, to the user
// who holds the farm's secret (http-guard.ts). The file is read again for every
// request, so the viewer shows its current content; it is opened without following
// a link in its last part, and what was opened must still lie inside the project,
// so a file swapped for a link (to /etc/shadow, to ~/.ssh) is refused; so is a file in
// the farm's own folder (its secret, its logs).
import { constants } from 'node:fs';
import { type FileHandle, open, readlink, realpath } from 'node:fs/promises';
import type { Server } from 'node:http';
import { farmFolderHoldingReal, within } from './project-file.js';
import { SECURITY_HEADERS, answerUnlessAllowed, checkRequest } from './http-guard.js';

export interface ServeOptions {
  /** The project: the served file must stay inside it. */
  root: string;
  secret: string;
}

/** The file's bytes, or why it is not served (the dashboard's file tabs read it the same way). */
export async function readServedFile(file: string, root: string): Promise<{ content: Buffer } | { refused: string }> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { refused: code === 'ELOOP' ? 'it is now a symbolic link' : `it cannot be read (${code ?? 'error'})` };
  }
  try {
    if (!(await handle.stat()).isFile()) return { refused: 'it is not a regular file' };
    const realRoot = await realpath(root);
    // Where the descriptor really leads (a folder on the way may have become a link).
    const opened = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => realpath(file));
    if (!within(realRoot, opened)) return { refused: 'it now leads outside the project' };
    // Checked when the viewer was opened too; here again for a viewer started by hand, or a link swapped in since.
    if (farmFolderHoldingReal(root, opened)) return { refused: "it is in the farm's own folder" };
    return { content: await handle.readFile() };
  } finally {
    await handle.close();
  }
}

export async function serveFile(file: string, port: number, options: ServeOptions): Promise<Server> {
  // Loaded here, not at start-up: no other af command needs an HTTP server.
  const { createServer } = await import('node:http');
  const server = createServer(async (request, response) => {
    if (
      answerUnlessAllowed(checkRequest(request, { port, secret: options.secret, printedBy: 'af annotate' }), response)
    )
      return;
    const text = { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { ...text, Allow: 'GET, HEAD' }).end();
      return;
    }
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== '/') {
      response.writeHead(404, text).end('only / is served\n');
      return;
    }
    const read = await readServedFile(file, options.root);
    if ('refused' in read) {
      response.writeHead(404, text).end(`${file} is not served: ${read.refused}.\n`);
      return;
    }
    // Plain text whatever the file holds, so a served page can never run scripts.
    response.writeHead(200, { ...text, 'Content-Length': read.content.length });
    response.end(request.method === 'HEAD' ? undefined : read.content);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
