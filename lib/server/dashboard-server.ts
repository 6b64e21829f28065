// The dashboard's HTTP server: every request checked (Host, Origin, the farm's
// secret), then its pages, its JSON routes, and the web terminals' sockets. A
// request that changes the farm must come from the dashboard's own page (its Origin)
// or from a script holding the secret as a bearer token.
import { createServer, STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  answerUnlessAllowed,
  changeFromNoPage,
  checkRequest,
  refusalBody,
  type GuardOptions,
} from '../farm/http-guard.js';
import type { Overview } from '../farm/overview-types.js';
import type { StoppedProcess } from '../farm/stop.js';
import { parseTabId } from '../farm/tabs.js';
import { answerApi } from './dashboard-api.js';
import { answerPage } from './dashboard-pages.js';
import { closeServer, EventFeed } from './event-feed.js';
import { decodedPart, sendError } from './http-io.js';
import { errorBody, RequestError } from './request-error.js';
import type { StateSource } from './state-source.js';
import type { TerminalTarget } from './terminal-protocol.js';
import type { TerminalSockets } from './terminal-socket.js';

/** Attaches a checked upgrade request to a terminal. */
export type TerminalUpgrade = TerminalSockets['handleUpgrade'];

export interface DashboardOptions {
  source: StateSource;
  secret: string;
  port: number;
  /** Attaches a checked upgrade request to a terminal (the web terminals' sockets). */
  terminalUpgrade?: TerminalUpgrade;
  /** `POST /api/stop` ended the farm and was answered. */
  onStopped(stopped: StoppedProcess[]): void;
}

export interface DashboardServer {
  server: Server;
  feed: EventFeed;
  close(): Promise<void>;
}

const SOCKET_PATH = /^\/terminal\/([^/]+)\/socket$/;

export function dashboardServer(options: DashboardOptions): DashboardServer {
  const { source } = options;
  const guard: GuardOptions = { port: options.port, secret: options.secret, printedBy: 'af dashboard' };
  const feed = new EventFeed(() => source.overview());
  const context = { source, feed, stopped: options.onStopped };
  const server = createServer(async (request, response) => {
    const verdict = checkRequest(request, guard);
    if (answerUnlessAllowed(verdict, response)) return;
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    try {
      if (changeFromNoPage(request, verdict))
        throw new RequestError('E_FORBIDDEN', "a request that changes the farm must come from the dashboard's page.");
      if (path.startsWith('/api/')) await answerApi(request, response, path, context);
      else if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.setHeader('Allow', 'GET, HEAD');
        throw new RequestError('E_METHOD_NOT_ALLOWED', `${path} is a page: GET it.`);
      } else if (!(await answerPage(request, response, path, source)))
        throw new RequestError('E_NOT_FOUND', `there is no page ${path}.`);
    } catch (error) {
      sendError(response, error);
    }
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    void upgrade(request, socket, head, guard, options, feed).catch(() => socket.destroy());
  });
  return {
    server,
    feed,
    close: () => closeServer(server, feed),
  };
}

async function upgrade(
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  guard: GuardOptions,
  options: DashboardOptions,
  feed: EventFeed<Overview>,
): Promise<void> {
  const refuse = (status: 401 | 403 | 404, reason: string) => {
    const body =
      status === 404
        ? `${JSON.stringify(errorBody(new RequestError('E_NOT_FOUND', reason)))}\n`
        : refusalBody({ status, reason });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  };
  const verdict = checkRequest(request, guard);
  // A socket is opened by the terminal page, which always sends its Origin; a redirect cannot be followed here.
  if (verdict.kind !== 'allow')
    return verdict.kind === 'redirect' ? refuse(401, 'open the page first') : refuse(verdict.status, verdict.reason);
  if (verdict.via === 'cookie' && !request.headers.origin) return refuse(403, 'the terminal page sends its Origin');
  const match = SOCKET_PATH.exec(new URL(request.url ?? '/', 'http://localhost').pathname);
  const tab = match ? decodedPart(match[1]!) : undefined;
  const ref = tab === undefined ? undefined : parseTabId(tab);
  if (!ref || !options.terminalUpgrade) return refuse(404, 'no such terminal');
  const current = terminalTargetOf(await options.source.overview(), tab!);
  if (!current) return refuse(404, `the farm has no terminal ${tab}`);
  options.terminalUpgrade(request, socket, head, {
    current,
    // The socket follows the tab's process through the feed's reads (every 250 ms while it watches).
    watch: (listener) => feed.watch((overview) => listener(terminalTargetOf(overview, tab!))),
  });
}

/** A terminal tab's process as the overview has it, or undefined when the overview has no such terminal. */
function terminalTargetOf(overview: Overview, tabId: string): TerminalTarget | undefined {
  const tab = overview.tabs.find((candidate) => candidate.id === tabId);
  if (!tab?.terminal) return undefined;
  const label = tab.kind === 'architect' ? 'the architect' : `${tab.kind} ${tabId.slice(tab.kind.length + 1)}`;
  const { starting, tmuxSession, logFile } = tab.terminal;
  if (starting) return { tab: tabId, label };
  const reach = tmuxSession ? { tmuxSession } : logFile ? { logFile } : {};
  return { tab: tabId, label, process: { pid: tab.pid, alive: tab.alive, ...reach } };
}
