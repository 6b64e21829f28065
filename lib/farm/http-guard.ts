// The checks every HTTP server of the farm makes before it answers (annotation
// viewers now; the dashboard and web terminals use the same): the Host and Origin
// are this machine's loopback names on this server's port (a DNS-rebinding page
// sends its own host name), and the request carries the farm's secret (see
// secret.ts): as `?token=` on the URL `af` prints (answered with a cookie and a
// redirect to the clean URL), as that HttpOnly SameSite=Strict cookie, or as
// `Authorization: Bearer`. A refused request gets a typed error (`{ error: { code,
// message } }`, as the servers' other refusals) with a short reason, and nothing else.
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { sameSecret } from './secret.js';

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];
export const TOKEN_PARAMETER = 'token';

export interface GuardOptions {
  /** The port the server listens on: the only one a Host or Origin may name. */
  port: number;
  secret: string;
  /** The command whose printed URL carries the secret, for the refusal's advice. */
  printedBy: string;
}

export type Verdict =
  /** `via`: how the secret came; a request that rode on the cookie is the browser's, a bearer token a script's. */
  | { kind: 'allow'; via: 'cookie' | 'bearer' }
  | { kind: 'refuse'; status: 401 | 403; reason: string }
  /** The secret came in the URL: keep it in a cookie and drop it from the address bar. */
  | { kind: 'redirect'; location: string; cookie: string };

/** What every answer of a farm server carries: nothing cached or sniffed, no script, no referrer (tokens travel in URLs). */
export const SECURITY_HEADERS: OutgoingHttpHeaders = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** The address that opens a farm server signed in: the secret in it becomes the browser's cookie at the first visit. */
export const signedInUrl = (port: number, secret: string) => `http://127.0.0.1:${port}/?${TOKEN_PARAMETER}=${secret}`;

/** Cookies are shared by every port of a host: one name per port keeps two farms' servers apart. */
const cookieName = (port: number) => `af_secret_${port}`;

const allowedHosts = (port: number) => new Set(LOOPBACK_NAMES.map((name) => `${name}:${port}`));

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

export function checkRequest(request: IncomingMessage, options: GuardOptions): Verdict {
  const hosts = allowedHosts(options.port);
  const host = request.headers.host?.toLowerCase();
  if (!host || !hosts.has(host))
    return {
      kind: 'refuse',
      status: 403,
      reason: `Host ${JSON.stringify(request.headers.host ?? '')} is not this server (use http://127.0.0.1:${options.port}/)`,
    };
  const origin = request.headers.origin;
  if (
    origin !== undefined &&
    !(origin.toLowerCase().startsWith('http://') && hosts.has(origin.toLowerCase().slice('http://'.length)))
  ) {
    return { kind: 'refuse', status: 403, reason: `requests from ${JSON.stringify(origin)} are not allowed` };
  }
  const url = new URL(request.url ?? '/', `http://${host}`);
  const token = url.searchParams.get(TOKEN_PARAMETER);
  if (token !== null) {
    if (!sameSecret(token, options.secret))
      return { kind: 'refuse', status: 401, reason: "the token in the URL is not this farm's secret" };
    url.searchParams.delete(TOKEN_PARAMETER);
    const cookie = `${cookieName(options.port)}=${options.secret}; HttpOnly; SameSite=Strict; Path=/`;
    return { kind: 'redirect', location: `${url.pathname}${url.search}`, cookie };
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  const presented = bearer ?? cookieValue(request.headers.cookie, cookieName(options.port));
  if (presented === undefined)
    return {
      kind: 'refuse',
      status: 401,
      reason: `this server needs the farm's secret: open the URL "${options.printedBy}" printed`,
    };
  if (!sameSecret(presented, options.secret))
    return { kind: 'refuse', status: 401, reason: "the secret given is not this farm's" };
  return { kind: 'allow', via: bearer === undefined ? 'cookie' : 'bearer' };
}

/** Whether `method` changes something: such a request must come from the server's own page, or a script with the bearer token. */
export const changesState = (method: string | undefined) => method === 'POST' || method === 'DELETE';

/**
 * A change that rode on the cookie without an Origin: a browser sends the Origin of
 * its page with every POST and DELETE, so this one came from no page (a link, a form
 * of another site under an old browser) and is refused.
 */
export function changeFromNoPage(request: IncomingMessage, verdict: Verdict): boolean {
  return (
    changesState(request.method) && verdict.kind === 'allow' && verdict.via === 'cookie' && !request.headers.origin
  );
}

/** Answers a request that the guard did not allow; true when it did so. */
export function answerUnlessAllowed(verdict: Verdict, response: ServerResponse): boolean {
  if (verdict.kind === 'allow') return false;
  if (verdict.kind === 'redirect') {
    response
      .writeHead(303, {
        ...SECURITY_HEADERS,
        Location: verdict.location,
        'Set-Cookie': verdict.cookie,
        'Content-Length': 0,
      })
      .end();
    return true;
  }
  const body = refusalBody(verdict);
  response
    .writeHead(verdict.status, {
      ...SECURITY_HEADERS,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
    })
    .end(body);
  return true;
}

/** The JSON body of a refusal: E_UNAUTHORIZED (no or a wrong secret) or E_FORBIDDEN (a foreign Host or Origin). */
export function refusalBody({ status, reason }: { status: 401 | 403; reason: string }): string {
  return `${JSON.stringify({ error: { code: status === 401 ? 'E_UNAUTHORIZED' : 'E_FORBIDDEN', message: reason } })}\n`;
}
