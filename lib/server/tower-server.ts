// The tower's HTTP server, with the dashboard's security: every request checked
// (Host and Origin loopback on its port, the tower's own secret); a request that
// changes something must come from the tower's own page (its Origin) or a script
// holding the secret as a bearer token. Then its page, its assets and its routes.
import { createServer, type Server, type ServerResponse } from 'node:http';
import { answerUnlessAllowed, changeFromNoPage, checkRequest, type GuardOptions } from '../farm/http-guard.js';
import type { TowerStatus } from '../farm/tower-types.js';
import { DASHBOARD_CSP, html, page, scriptJson, sendAsset } from './dashboard-pages.js';
import { closeServer, EventFeed } from './event-feed.js';
import { sendBody, sendError } from './http-io.js';
import { RequestError } from './request-error.js';
import { answerTowerApi } from './tower-api.js';
import type { TowerSource } from './tower-source.js';

export interface TowerOptions {
  source: TowerSource;
  secret: string;
  port: number;
  /** The command line of `af start --no-browser --json`, run in the folder of a farm to start. */
  afStart: readonly string[];
}

export interface TowerServer {
  server: Server;
  feed: EventFeed;
  close(): Promise<void>;
}

function sendTowerPage(response: ServerResponse, status: TowerStatus, head: boolean): void {
  sendBody(response, 200, html(DASHBOARD_CSP), page('tower.html', { initialStatus: scriptJson(status) }), head);
}

export function towerServer(options: TowerOptions): TowerServer {
  const { source } = options;
  const guard: GuardOptions = { port: options.port, secret: options.secret, printedBy: 'af tower start' };
  const feed = new EventFeed(() => source.statusOrProblem(), 'status');
  const context = { source, feed, afStart: options.afStart };
  const server = createServer(async (request, response) => {
    const verdict = checkRequest(request, guard);
    if (answerUnlessAllowed(verdict, response)) return;
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const head = request.method === 'HEAD';
    try {
      if (changeFromNoPage(request, verdict))
        throw new RequestError('E_FORBIDDEN', "a request that changes something must come from the tower's page.");
      if (path.startsWith('/api/')) await answerTowerApi(request, response, path, context);
      else if (request.method !== 'GET' && !head) {
        response.setHeader('Allow', 'GET, HEAD');
        throw new RequestError('E_METHOD_NOT_ALLOWED', `${path} is a page: GET it.`);
      } else if (path === '/' || path === '/index.html') sendTowerPage(response, await source.statusOrProblem(), head);
      else if (path.startsWith('/assets/')) sendAsset(response, path.slice('/assets/'.length), head);
      else throw new RequestError('E_NOT_FOUND', `there is no page ${path}.`);
    } catch (error) {
      sendError(response, error);
    }
  });
  return {
    server,
    feed,
    close: () => closeServer(server, feed),
  };
}
