// The routes of the page's server (the dashboard's, the tower's). The secret travels
// in the HttpOnly cookie the printed URL set; the server wants JSON and the page's
// own Origin, which a same-origin fetch sends. A refusal `{error: {code, message}}` becomes an ApiError.
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

const DASHBOARD_UNREACHABLE = 'the dashboard server is not answering (is the farm running? "af dashboard")';

/** A route of the page's own server, sending `body` as JSON; `unreachable` says what to do when it does not answer. */
export async function call<T>(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
  unreachable = DASHBOARD_UNREACHABLE,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'E_UNREACHABLE', unreachable);
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

/** A builder to spawn, in one of the modes of `af spawn`. */
export type BuilderRequest =
  | { mode: 'spec'; project: string }
  | { mode: 'task'; task: string; files?: string }
  | { mode: 'protocol'; protocol: string }
  | { mode: 'shell' }
  | { mode: 'worktree' };

/** A process `POST /api/stop` ended, as `af stop --json` lists them. */
export interface StoppedProcess {
  what: string;
  pid: number;
  outcome: string;
}

export const api = {
  newBuilder: (request: BuilderRequest) => call<Builder>('POST', '/api/tabs/builder', request),
  newShell: (name?: string) => call<{ id: string; port: number; name: string }>('POST', '/api/tabs/shell', { name }),
  openFile: (path: string) =>
    call<{ id: string; port: number; existing?: boolean }>('POST', '/api/tabs/file', { path }),
  closeTab: (tabId: string) =>
    call<{ ok: true; process: string; left?: { worktree: string; branch: string; remove: string } }>(
      'DELETE',
      `/api/tabs/${encodeURIComponent(tabId)}`,
    ),
  send: (request: { to: string; message: string; interrupt: boolean }) =>
    call<{ sent: string[] }>('POST', '/api/send', request),
  restartBuilder: (id: string) => call<Builder>('POST', `/api/builders/${encodeURIComponent(id)}/restart`, {}),
  cleanupBuilder: (id: string, force: boolean) =>
    call<{ id: string; worktree?: string; branch?: string }>(
      'POST',
      `/api/builders/${encodeURIComponent(id)}/cleanup`,
      { force },
    ),
  stopFarm: () => call<{ stopped: StoppedProcess[] }>('POST', '/api/stop', {}),
};
