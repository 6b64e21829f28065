// A request the dashboard refuses, with the HTTP status it is answered with. Every
// other typed error of the package is answered by its code (statusOf).
import { AgentFarmStateError, messageOf } from '../engine/index.js';

export type RequestErrorCode =
  | 'E_BAD_REQUEST'
  | 'E_FORBIDDEN'
  | 'E_NOT_FOUND'
  | 'E_METHOD_NOT_ALLOWED'
  | 'E_TOO_LARGE'
  | 'E_TOO_MANY_TABS'
  | 'E_UNSUPPORTED_MEDIA_TYPE';

const STATUS: Record<RequestErrorCode, number> = {
  E_BAD_REQUEST: 400,
  E_FORBIDDEN: 403,
  E_NOT_FOUND: 404,
  E_METHOD_NOT_ALLOWED: 405,
  E_TOO_LARGE: 413,
  E_TOO_MANY_TABS: 429,
  E_UNSUPPORTED_MEDIA_TYPE: 415,
};

export class RequestError extends AgentFarmStateError<RequestErrorCode> {
  readonly status: number;
  constructor(code: RequestErrorCode, message: string) {
    super(code, message);
    this.status = STATUS[code];
  }
}

/** The state's files cannot be read: the farm is there, its record is not (503 until they are fixed). */
const UNAVAILABLE = new Set([
  'E_NOT_SQLITE',
  'E_CORRUPT',
  'E_SCHEMA_TOO_NEW',
  'E_UNKNOWN_SCHEMA',
  'E_NO_DATABASE',
  'E_CLOSED',
  'E_IO',
  'E_BUSY',
  'E_LOCK_LOST',
  'E_PERMISSION',
  'E_NO_SPACE',
  'E_UNSAFE_PATH',
]);

export function statusOf(error: unknown): number {
  if (error instanceof RequestError) return error.status;
  if (!(error instanceof AgentFarmStateError)) return 500;
  if (error.code === 'E_INVALID_INPUT' || error.code === 'E_CONSTRAINT') return 400;
  if (error.code === 'E_FORBIDDEN') return 403;
  if (error.code === 'E_PORTS_EXHAUSTED') return 429;
  if (error.code.endsWith('_NOT_FOUND')) return 404;
  if (error.code === 'E_NOT_RUNNING') return 409;
  if (error.code === 'E_MESSAGE_TOO_LARGE') return 413;
  if (error.code === 'E_LAUNCH' || error.code === 'E_GIT') return 502;
  return UNAVAILABLE.has(error.code) ? 503 : 500;
}

/** The JSON body of an error answer: `{ error: { code, message } }`. */
export function errorBody(error: unknown): { error: { code: string; message: string } } {
  const code = error instanceof AgentFarmStateError ? error.code : 'E_INTERNAL';
  return { error: { code, message: messageOf(error) } };
}
