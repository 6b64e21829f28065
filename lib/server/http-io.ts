// Reading a request's JSON body within a limit, and writing answers with the
// headers every answer of the farm's servers carries (http-guard.ts).
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { SECURITY_HEADERS } from '../farm/http-guard.js';
import { errorBody, RequestError, statusOf } from './request-error.js';

/** The largest body a route reads. */
export const BODY_LIMIT = 64 * 1024;

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  response
    .writeHead(status, {
      ...SECURITY_HEADERS,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
    })
    .end(text);
}

export function sendError(response: ServerResponse, error: unknown): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  sendJson(response, statusOf(error), errorBody(error));
}

export function sendBody(
  response: ServerResponse,
  status: number,
  headers: OutgoingHttpHeaders,
  body: string | Buffer,
  head = false,
): void {
  response.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'Content-Length': Buffer.byteLength(body) });
  response.end(head ? undefined : body);
}

/**
 * The request's body parsed as JSON: an object, at most BODY_LIMIT bytes, sent as
 * `application/json` (which a cross-site form cannot send without a preflight).
 */
export async function readJsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json')
    throw new RequestError('E_UNSUPPORTED_MEDIA_TYPE', 'send the body as JSON, with Content-Type: application/json.');
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > BODY_LIMIT) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT) throw tooLarge();
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch (error) {
    throw new RequestError('E_BAD_REQUEST', `the body is not JSON: ${(error as Error).message}.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new RequestError('E_BAD_REQUEST', 'the body must be a JSON object.');
  return value as Record<string, unknown>;
}

const tooLarge = () => new RequestError('E_TOO_LARGE', `the body is larger than ${BODY_LIMIT / 1024} KiB.`);

/** A part of the request's path, percent-decoded; a malformed escape is the client's error. */
export function decodedPart(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new RequestError('E_BAD_REQUEST', `the path has a malformed %-escape: ${text.slice(0, 80)}.`);
  }
}
