// HTTP requests for the server tests, with any header (Host and Origin included,
// which fetch() would not let a test forge), on 127.0.0.1.
import { type IncomingHttpHeaders, request } from 'node:http';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export function httpRequest(port: number, path: string, options: RequestOptions = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers ?? {} },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks).toString() }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

/** The dashboard's API with the farm's secret as a bearer token (a script's way in). */
export function dashboardClient(url: string) {
  const { port, searchParams } = new URL(url);
  const token = searchParams.get('token')!;
  const call = (path: string, options: RequestOptions = {}) =>
    httpRequest(Number(port), path, {
      ...options,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...options.headers,
      },
    });
  return {
    port: Number(port),
    token,
    call,
    async json<T = any>(path: string, options: RequestOptions = {}): Promise<{ status: number; body: T }> {
      const answer = await call(path, options);
      return { status: answer.status, body: JSON.parse(answer.body) as T };
    },
  };
}

/** Reads Server-Sent Events from `path` until `until` accepts one event's data (or the time runs out). */
export function nextEvent<T>(
  port: number,
  path: string,
  headers: Record<string, string>,
  until: (data: T) => boolean,
  withinMs: number,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path, headers }, (response) => {
      let buffer = '';
      const timer = setTimeout(() => {
        outgoing.destroy();
        reject(new Error(`no matching event within ${withinMs} ms`));
      }, withinMs);
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(event)?.[1];
          if (data === undefined) continue;
          const parsed = JSON.parse(data) as T;
          if (until(parsed)) {
            clearTimeout(timer);
            outgoing.destroy();
            resolve(parsed);
            return;
          }
        }
      });
    });
    outgoing.on('error', () => undefined);
    outgoing.end();
  });
}
