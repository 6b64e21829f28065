// The tower's JSON routes, the native ones with their shapes, plus their event
// stream: the farms, folder suggestions, starting a farm in a folder (the very `af
// start`, see start-in-folder.ts) and stopping one (stopFarm, as `af stop`).
import { existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { expandedPath, folderSuggestions } from '../farm/folder-suggestions.js';
import { farmIdentity } from '../farm/project-farm.js';
import { startFarmIn } from '../farm/start-in-folder.js';
import { stopFarm } from '../farm/stop.js';
import { stateDbPath } from '../shared/paths.js';
import { StateStore } from '../state/store.js';
import { changesState } from '../farm/http-guard.js';
import type { EventFeed } from './event-feed.js';
import { readJsonBody, sendJson } from './http-io.js';
import { RequestError } from './request-error.js';
import type { TowerSource } from './tower-source.js';

export interface TowerContext {
  source: TowerSource;
  feed: EventFeed;
  /** The command line of `af start --no-browser --json`, run in the folder to start. */
  afStart: readonly string[];
}

type Route = (request: IncomingMessage, response: ServerResponse, context: TowerContext) => Promise<void>;

const ROUTES: Record<string, Partial<Record<string, Route>>> = {
  '/api/status': { GET: async (_q, response, { source }) => sendJson(response, 200, await source.status()) },
  '/api/events': { GET: (request, response, { feed }) => feed.add(request, response) },
  '/api/browse': { GET: browse },
  '/api/launch': { POST: launch },
  '/api/stop': { POST: stop },
};

export async function answerTowerApi(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  context: TowerContext,
): Promise<void> {
  const methods = ROUTES[path];
  if (!methods)
    throw new RequestError('E_NOT_FOUND', `there is no route ${path}; see the tower's routes in the README.`);
  const route = methods[request.method ?? 'GET'];
  if (!route) {
    response.setHeader('Allow', Object.keys(methods).join(', '));
    throw new RequestError('E_METHOD_NOT_ALLOWED', `${path} takes ${Object.keys(methods).join(' or ')}.`);
  }
  try {
    await route(request, response, context);
  } finally {
    if (changesState(request.method)) void context.feed.tick();
  }
}

async function browse(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const typed = new URL(request.url ?? '/', 'http://localhost').searchParams.get('path') ?? '';
  sendJson(response, 200, { suggestions: folderSuggestions(typed) });
}

function textIn(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '')
    throw new RequestError('E_BAD_REQUEST', `the body needs "${field}", a non-empty string.`);
  return value;
}

async function launch(request: IncomingMessage, response: ServerResponse, { afStart }: TowerContext): Promise<void> {
  const folder = expandedPath(textIn(await readJsonBody(request), 'projectPath'));
  let isFolder: boolean;
  try {
    isFolder = statSync(folder).isDirectory();
  } catch {
    throw new RequestError('E_NOT_FOUND', `there is no folder ${folder}.`);
  }
  if (!isFolder) throw new RequestError('E_BAD_REQUEST', `${folder} is not a folder.`);
  sendJson(response, 200, { success: true, ...(await startFarmIn(folder, afStart)) });
}

/** `POST /api/stop {basePort, projectPath?}`: with the path (the page sends it), only while that block is still that folder's. */
async function stop(request: IncomingMessage, response: ServerResponse, { source }: TowerContext): Promise<void> {
  const { basePort, projectPath } = await readJsonBody(request);
  if (typeof basePort !== 'number' || !Number.isInteger(basePort))
    throw new RequestError('E_BAD_REQUEST', 'the body needs "basePort", the farm\'s block as a whole number.');
  if (projectPath !== undefined && typeof projectPath !== 'string')
    throw new RequestError('E_BAD_REQUEST', '"projectPath", when given, is the farm\'s folder as a string.');
  const allocation = (await source.allocations()).find((entry) => entry.basePort === basePort);
  if (!allocation) throw new RequestError('E_NOT_FOUND', `no farm of the port registry has the block ${basePort}.`);
  if (projectPath !== undefined && allocation.path !== projectPath)
    throw new RequestError(
      'E_NOT_FOUND',
      `the block ${basePort} is no longer ${projectPath}'s (it is ${allocation.path}'s now); nothing was stopped.`,
    );
  const root = allocation.path;
  if (!existsSync(root))
    throw new RequestError('E_NOT_FOUND', `the folder ${root} is gone; "af ports cleanup" frees its block.`);
  // A farm with no state recorded has nothing to stop, and the tower creates no state.db.
  if (!existsSync(stateDbPath(root))) return sendJson(response, 200, { success: true, stopped: [] });
  const store = await StateStore.open(stateDbPath(root));
  try {
    sendJson(response, 200, { success: true, stopped: await stopFarm(farmIdentity(root), store) });
  } finally {
    await store.close();
  }
}
