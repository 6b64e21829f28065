// The dashboard server's state-changing routes. The secret travels in the HttpOnly
// cookie the printed URL set; the server wants JSON and the page's own Origin, which
// a same-origin fetch sends. A refusal `{error: {code, message}}` becomes an ApiError.
import type { Builder } from '../state/types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(
      0,
      'E_UNREACHABLE',
      'the dashboard server is not answering (is the farm running? "af dashboard")',
    );
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const error = (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    throw new ApiError(
      response.status,
      typeof error?.code === 'string' ? error.code : `HTTP_${response.status}`,
      typeof error?.message === 'string' ? error.message : text.trim() || response.statusText,
    );
  }
  return parsed as T;
}

/** A process `POST /api/stop` ended, as `af stop --json` lists them. */
export interface StoppedProcess {
  what: string;
  pid: number;
  outcome: string;
}

export const api = {
  newBuilder: (projectId: string) => call<Builder>('POST', '/api/tabs/builder', { projectId }),
  newShell: (name?: string) => call<{ id: string; port: number; name: string }>('POST', '/api/tabs/shell', { name }),
  openFile: (path: string) =>
    call<{ id: string; port: number; existing?: boolean }>('POST', '/api/tabs/file', { path }),
  closeTab: (tabId: string) => call<{ ok: true }>('DELETE', `/api/tabs/${encodeURIComponent(tabId)}`),
  send: (request: { to: string; message: string; interrupt: boolean }) =>
    call<{ sent: string[] }>('POST', '/api/send', request),
  stopFarm: () => call<{ stopped: StoppedProcess[] }>('POST', '/api/stop', {}),
};
