// The dashboard's pages and their files, sent from memory (build.mjs bundles them
// into dist/af.js), and the text of an annotated file for a file tab. Nothing a page
// uses comes from elsewhere: the Content-Security-Policy allows this origin only.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename } from 'node:path';
import { PAGE_ASSETS } from 'af:page-assets';
import { readServedFile } from '../farm/annotation-server.js';
import type { Overview } from '../farm/overview-types.js';
import { parseTabId } from '../farm/tabs.js';
import { decodedPart, sendBody } from './http-io.js';
import { RequestError } from './request-error.js';
import type { StateSource } from './state-source.js';

const OWN_ORIGIN_ONLY =
  "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self' data:; font-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'";
/** The dashboard is framed by nobody; a terminal page only by the dashboard (same origin). */
export const DASHBOARD_CSP = `${OWN_ORIGIN_ONLY}; style-src 'self'; frame-ancestors 'none'`;
// xterm.js writes its cell sizes and colours into <style> elements at run time (no nonce option): inline styles only.
export const TERMINAL_CSP = `${OWN_ORIGIN_ONLY}; style-src 'self' 'unsafe-inline'; frame-ancestors 'self'`;
/** A file's text in both themes (the frame is sandboxed: one inline style, allowed by its hash, and nothing else). */
const FILE_STYLE =
  ':root{color-scheme:light dark;background:#ffffff;color:#16191d}' +
  '@media (prefers-color-scheme:dark){:root{background:#14171c;color:#e3e6ea}}' +
  'body{margin:0}pre{margin:0;padding:10px 14px;font:12.5px/1.5 ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;' +
  'white-space:pre-wrap;overflow-wrap:anywhere;tab-size:4}';
/** A file's text in a frame of the dashboard: no script, no plugin, no navigation. */
const FILE_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(FILE_STYLE).digest('base64')}'; sandbox; frame-ancestors 'self'`;

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON inside a <script type="application/json">: still JSON, and no "</script>" can end the element. */
export const scriptJson = (value: unknown) =>
  JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

export function page(template: string, fields: Record<string, string>): string {
  const text = PAGE_ASSETS[template];
  if (text === undefined) throw new RequestError('E_NOT_FOUND', `this build of af has no ${template}.`);
  return text.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => fields[name] ?? whole);
}

export const html = (csp: string) => ({
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': csp,
  'X-Frame-Options': csp.includes("frame-ancestors 'self'") ? 'SAMEORIGIN' : 'DENY',
});

export function sendDashboardPage(response: ServerResponse, overview: Overview, head: boolean): void {
  const body = page('dashboard.html', {
    project: escapeHtml(overview.project.name),
    initialOverview: scriptJson(overview),
  });
  sendBody(response, 200, html(DASHBOARD_CSP), body, head);
}

export function sendAsset(response: ServerResponse, name: string, head: boolean): void {
  const type = CONTENT_TYPES[name.slice(name.lastIndexOf('.'))];
  const text = Object.hasOwn(PAGE_ASSETS, name) ? PAGE_ASSETS[name] : undefined;
  if (type === undefined || text === undefined) throw new RequestError('E_NOT_FOUND', `there is no asset ${name}.`);
  sendBody(response, 200, { 'Content-Type': type }, text, head);
}

export function sendTerminalPage(response: ServerResponse, tab: string, head: boolean): void {
  const ref = parseTabId(tab);
  if (!ref || ref.kind === 'file') throw new RequestError('E_NOT_FOUND', `"${tab.slice(0, 80)}" is not a terminal.`);
  const label = ref.kind === 'architect' ? 'architect' : `${ref.kind === 'shell' ? 'shell' : 'builder'} ${ref.id}`;
  sendBody(
    response,
    200,
    html(TERMINAL_CSP),
    page('terminal.html', { tab: escapeHtml(tab), label: escapeHtml(label) }),
    head,
  );
}

/** The annotated file's text (as its annotation viewer serves it), for the file's tab. */
export async function sendAnnotatedFile(
  response: ServerResponse,
  source: StateSource,
  id: string,
  head: boolean,
): Promise<void> {
  const annotation = (await source.state()).annotations.find((entry) => entry.id === id);
  if (!annotation) throw new RequestError('E_NOT_FOUND', `the farm has no annotation ${id.slice(0, 80)}.`);
  const read = await readServedFile(annotation.file, source.farm.root);
  if ('refused' in read) throw new RequestError('E_NOT_FOUND', `${annotation.file} is not served: ${read.refused}.`);
  // Text whatever the file holds (every character escaped), so a file can never run a script or style the page.
  const body =
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="color-scheme" content="light dark">' +
    `<title>${escapeHtml(basename(annotation.file))}</title><style>${FILE_STYLE}</style></head>` +
    `<body><pre>\n${escapeHtml(read.content.toString('utf8'))}</pre></body></html>`;
  sendBody(
    response,
    200,
    {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': FILE_CSP,
      'X-Frame-Options': 'SAMEORIGIN',
    },
    body,
    head,
  );
}

/** Whether a GET of `path` is one of the pages, and answers it. */
export async function answerPage(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  source: StateSource,
): Promise<boolean> {
  const head = request.method === 'HEAD';
  if (path === '/' || path === '/index.html') sendDashboardPage(response, await source.overview(), head);
  else if (path.startsWith('/assets/')) sendAsset(response, path.slice('/assets/'.length), head);
  else if (/^\/terminal\/[^/]+$/.test(path)) sendTerminalPage(response, decodedPart(path.slice(10)), head);
  else if (/^\/file\/[^/]+$/.test(path)) await sendAnnotatedFile(response, source, decodedPart(path.slice(6)), head);
  else return false;
  return true;
}
