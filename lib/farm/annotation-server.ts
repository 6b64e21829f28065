// The annotation viewer's server: one file, read-only, on 127.0.0.1. The file is
// read again for every request, so the viewer shows its current content.
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';

export async function serveFile(file: string, port: number): Promise<Server> {
  // Loaded here, not at start-up: no other af command needs an HTTP server.
  const { createServer } = await import('node:http');
  const server = createServer(async (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== '/') {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('only / is served\n');
      return;
    }
    try {
      const content = await readFile(file);
      // Plain text whatever the file holds, so a served page can never run scripts.
      response.writeHead(200, {
        'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': content.length,
        'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store',
      });
      response.end(request.method === 'HEAD' ? undefined : content);
    } catch (error) {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})\n`);
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
