// The dashboard's JSON routes, the native ones with their shapes, plus the overview,
// its event stream and a builder spawned from the page (native answers 501). Each
// route goes through the same code as the `af` command that does the same thing.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { annotationViewerArgv } from '../farm/annotation-viewer-command.js';
import { cleanupBuilder, spawnBuilder } from '../farm/builders.js';
import { changesState } from '../farm/http-guard.js';
import { findSpec } from '../farm/instructions.js';
import { resumeBuilder } from '../farm/resume.js';
import { spawnModeIn } from './spawn-request.js';
import { farmCommand } from '../farm/config.js';
import { openTabCount, TAB_LIMIT } from '../farm/overview.js';
import { sendMessage } from '../farm/send.js';
import { stopFarm, type StoppedProcess } from '../farm/stop.js';
import { checkedName, closeTab, parseTabId, TAB_NAME } from '../farm/tabs.js';
import { openAnnotation, openUtil } from '../farm/terminals.js';
import type { StateStore } from '../state/store.js';
import type { EventFeed } from './event-feed.js';
import { decodedPart, readJsonBody, sendJson } from './http-io.js';
import { RequestError } from './request-error.js';
import type { StateSource } from './state-source.js';

export interface ApiContext {
  source: StateSource;
  feed: EventFeed;
  /** Called once `POST /api/stop` has been answered: the server ends. */
  stopped(stopped: StoppedProcess[]): void;
}

type Route = (request: IncomingMessage, response: ServerResponse, context: ApiContext, rest: string) => Promise<void>;

const ROUTES: Record<string, Partial<Record<string, Route>>> = {
  '/api/state': { GET: async (_q, response, { source }) => sendJson(response, 200, await source.state()) },
  '/api/overview': { GET: async (_q, response, { source }) => sendJson(response, 200, await source.overview()) },
  '/api/events': { GET: (request, response, { feed }) => feed.add(request, response) },
  '/api/tabs/shell': { POST: openShell },
  '/api/tabs/file': { POST: openFile },
  '/api/tabs/builder': { POST: openBuilder },
  '/api/tabs/': { DELETE: closeTabRoute },
  '/api/stop': { POST: stop },
  '/api/send': { POST: send },
  '/api/builders/': { POST: builderAction },
};

/** Routes that end in `/`: the rest of the path is their argument. */
const PREFIXES = Object.keys(ROUTES).filter((path) => path.endsWith('/'));

export async function answerApi(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  context: ApiContext,
): Promise<void> {
  const prefix = path in ROUTES ? path : (PREFIXES.find((start) => path.startsWith(start)) ?? path);
  const methods = ROUTES[prefix];
  if (!methods)
    throw new RequestError('E_NOT_FOUND', `there is no route ${path}; see the dashboard's routes in the README.`);
  const route = methods[request.method ?? 'GET'];
  if (!route) {
    response.setHeader('Allow', Object.keys(methods).join(', '));
    throw new RequestError('E_METHOD_NOT_ALLOWED', `${path} takes ${Object.keys(methods).join(' or ')}.`);
  }
  await route(request, response, context, path.slice(prefix.length));
  if (changesState(request.method)) void context.feed.tick();
}

/** An optional name in the body, checked as the native routes check ids (and as the CLI checks names). */
function nameIn(body: Record<string, unknown>, field: string, required: boolean): string | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '') {
    if (required) throw new RequestError('E_BAD_REQUEST', `the body needs "${field}".`);
    return undefined;
  }
  return checkedName(value, `"${field}"`);
}

/** The tab being opened now: one at a time, so requests at once cannot pass the limit together. */
let opening: Promise<unknown> = Promise.resolve();

function oneTabAtATime<T>(source: StateSource, open: (store: StateStore) => Promise<T>): Promise<T> {
  const next = opening.then(() => source.use(open));
  opening = next.catch(() => undefined);
  return next;
}

async function checkRoomForATab(store: StateStore): Promise<void> {
  // The count as it is: the CLI opens tabs past the limit, which is the dashboard's alone.
  const tabs = openTabCount(await store.loadState());
  if (tabs >= TAB_LIMIT)
    throw new RequestError(
      'E_TOO_MANY_TABS',
      `the farm has ${tabs} tabs open; the dashboard opens at most ${TAB_LIMIT}: close some first (Close shell, Close file, Stop builder, or "af cleanup --project <id>").`,
    );
}

function withRoomForATab<T>(source: StateSource, open: (store: StateStore) => Promise<T>): Promise<T> {
  return oneTabAtATime(source, async (store) => {
    await checkRoomForATab(store);
    return open(store);
  });
}

async function openShell(request: IncomingMessage, response: ServerResponse, { source }: ApiContext): Promise<void> {
  const name = nameIn(await readJsonBody(request), 'name', false) ?? 'shell';
  const { farm } = source;
  const command = farmCommand(farm.root, 'shell', {});
  const { util } = await withRoomForATab(source, (store) => openUtil(farm, store, command, name));
  sendJson(response, 201, { id: util.id, port: util.port, name: util.name });
}

/** A file of the project (relative to it), checked and opened as `af annotate` does: one viewer a file. */
async function openFile(request: IncomingMessage, response: ServerResponse, { source }: ApiContext): Promise<void> {
  const given = (await readJsonBody(request)).path;
  if (typeof given !== 'string' || given === '' || given.length > 4096)
    throw new RequestError('E_BAD_REQUEST', 'the body needs "path": a file of the project.');
  const { farm } = source;
  const { annotation, existing } = await oneTabAtATime(source, (store) =>
    openAnnotation(farm, store, resolve(farm.root, given), { type: 'architect' }, annotationViewerArgv(farm.root), {
      beforeNew: () => checkRoomForATab(store),
    }),
  );
  if (existing) return sendJson(response, 200, { id: annotation.id, port: annotation.port, existing: true });
  sendJson(response, 201, { id: annotation.id, port: annotation.port });
}

/** A builder in any mode of `af spawn`: `{projectId}` as the native route, or `{mode, project | task, files | protocol}`. */
async function openBuilder(request: IncomingMessage, response: ServerResponse, { source }: ApiContext): Promise<void> {
  const mode = spawnModeIn(await readJsonBody(request));
  const { farm } = source;
  if (mode.type === 'spec') {
    // The spec is looked up first: a missing one is refused (404) before anything is made.
    const { id } = findSpec(farm.root, mode.project);
    const existing = (await source.state()).builders.find((builder) => builder.id === id);
    if (existing) return sendJson(response, 200, existing);
  }
  const command = farmCommand(farm.root, 'builder', {});
  const { builder } = await withRoomForATab(source, (store) => spawnBuilder(farm, store, mode, command));
  sendJson(response, 201, builder);
}

/** `POST /api/builders/<id>/restart` (as `af spawn --resume`) and `/cleanup` `{force?}` (as `af cleanup`). */
async function builderAction(
  request: IncomingMessage,
  response: ServerResponse,
  { source }: ApiContext,
  rest: string,
): Promise<void> {
  const [id, action, ...more] = rest.split('/').map(decodedPart);
  if (!id || !TAB_NAME.test(id) || more.length > 0 || (action !== 'restart' && action !== 'cleanup'))
    throw new RequestError(
      'E_NOT_FOUND',
      'the builder routes are /api/builders/<id>/restart and /api/builders/<id>/cleanup.',
    );
  const body = await readJsonBody(request);
  const { farm } = source;
  if (action === 'restart') {
    const { builder } = await source.use((store) => resumeBuilder(farm, store, id));
    return sendJson(response, 200, builder);
  }
  if (body.force !== undefined && typeof body.force !== 'boolean')
    throw new RequestError('E_BAD_REQUEST', '"force" must be true or false.');
  sendJson(response, 200, await source.use((store) => cleanupBuilder(farm, store, id, body.force === true)));
}

async function closeTabRoute(
  _request: IncomingMessage,
  response: ServerResponse,
  { source }: ApiContext,
  tab: string,
): Promise<void> {
  const ref = parseTabId(decodedPart(tab));
  if (!ref)
    throw new RequestError(
      'E_BAD_REQUEST',
      `"${tab.slice(0, 80)}" is not a tab: builder-<id>, shell-<id> or file-<id>.`,
    );
  if (ref.kind === 'architect')
    throw new RequestError('E_BAD_REQUEST', 'the architect is not closed as a tab; stop the farm instead.');
  const closed = await source.use((store) => closeTab(source.farm, store, ref));
  if (!closed) throw new RequestError('E_NOT_FOUND', `the farm has no tab ${tab}.`);
  sendJson(response, 200, { ok: true, ...closed });
}

/** A message typed into a builder's or the architect's terminal, as `af send` types it. */
async function send(request: IncomingMessage, response: ServerResponse, { source }: ApiContext): Promise<void> {
  const body = await readJsonBody(request);
  const to = nameIn(body, 'to', true)!;
  const { message } = body;
  if (typeof message !== 'string')
    throw new RequestError('E_BAD_REQUEST', 'the body needs "message": the text to send.');
  for (const flag of ['interrupt', 'raw', 'enter'] as const)
    if (body[flag] !== undefined && typeof body[flag] !== 'boolean')
      throw new RequestError('E_BAD_REQUEST', `"${flag}" must be true or false.`);
  const outcome = await sendMessage(source.farm, await source.state(), to, message, {
    interrupt: body.interrupt === true,
    raw: body.raw === true,
    enter: body.enter !== false,
  });
  sendJson(response, 200, outcome);
}

async function stop(request: IncomingMessage, response: ServerResponse, context: ApiContext): Promise<void> {
  await readJsonBody(request);
  const stopped = await context.source.use((store) => stopFarm(context.source.farm, store));
  sendJson(response, 200, { stopped });
  response.once('finish', () => context.stopped(stopped));
}
