// The errors of the domains above the engine: the state and its import, the port
// registry, the farm's commands and the CLI. Each extends the engine's
// AgentFarmStateError with a code of its own; ErrorCode is every code the package
// raises, the engine's and these.
import { AgentFarmStateError, type EngineErrorCode } from '../engine/index.js';

/** The codes of the domains' errors. */
export type DomainErrorCode =
  | 'E_INVALID_JSON'
  | 'E_PORTS_EXHAUSTED'
  | 'E_LAUNCH'
  | 'E_TERMINAL'
  | 'E_GIT'
  | 'E_INTERRUPTED'
  | 'E_QUERY_LIMIT'
  | 'E_NO_DATABASE'
  | NotFoundCode
  | 'E_NOT_RUNNING'
  | 'E_MESSAGE_TOO_LARGE'
  | 'E_FORBIDDEN';

/** Something the user named that the project does not have (E_NOT_FOUND: a file). */
export type NotFoundCode =
  | 'E_SPEC_NOT_FOUND'
  | 'E_PROTOCOL_NOT_FOUND'
  | 'E_BUILDER_NOT_FOUND'
  | 'E_PORT_BLOCK_NOT_FOUND'
  | 'E_NOT_FOUND';

/** Every code an error of this package carries. */
export type ErrorCode = EngineErrorCode | DomainErrorCode;

/** A JSON file to import is unreadable or does not have the expected shape. */
export class InvalidJsonError extends AgentFarmStateError<DomainErrorCode> {
  constructor(
    readonly filePath: string,
    reason: string,
  ) {
    super(
      'E_INVALID_JSON',
      `${filePath} cannot be imported: ${reason}. The file was left as it was and nothing was imported; fix or move it, then try again.`,
    );
  }
}

/** Every port block is allocated. */
export class PortsExhaustedError extends AgentFarmStateError<DomainErrorCode> {
  constructor(readonly blocks: number) {
    super(
      'E_PORTS_EXHAUSTED',
      `all ${blocks} port blocks are allocated. Free blocks with "af ports cleanup" (removes projects whose folder is gone) or "af ports remove <path>".`,
    );
  }
}

/** Every port of a range (a project's builder, util or annotation ports) is in use. */
export class PortRangeFullError extends AgentFarmStateError<DomainErrorCode> {
  constructor(
    readonly what: string,
    readonly first: number,
    readonly last: number,
  ) {
    super(
      'E_PORTS_EXHAUSTED',
      `all ${what} ports ${first}-${last} are in use. Stop or remove one (af cleanup, af stop) and try again.`,
    );
  }
}

/** A file or folder that must be private (the port registry) is open to others, and this process cannot tighten it. */
export class NotPrivateError extends AgentFarmStateError<EngineErrorCode> {
  constructor(
    readonly path: string,
    readonly mode: number,
    readonly ownerUid: number,
    readonly wantedMode: number,
  ) {
    super(
      'E_PERMISSION',
      `${path} has mode ${octal(mode)} and belongs to uid ${ownerUid}, not to this user (uid ${process.getuid?.() ?? 'unknown'}), so it cannot be made private (${octal(wantedMode)}); nothing was read or written. Run "chmod ${octal(wantedMode)} ${path}" as its owner, or set AF_GLOBAL_DIR to a folder of your own.`,
    );
  }
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** What a query may use up before it is stopped. */
export type QueryLimit = 'time' | 'rows' | 'bytes' | 'memory';

/** A query was stopped on reaching a limit; `advice` says how to raise or lift it. */
export class QueryLimitError extends AgentFarmStateError<DomainErrorCode> {
  constructor(
    readonly filePath: string,
    readonly limit: QueryLimit,
    readonly reached: string,
    advice: string,
  ) {
    super('E_QUERY_LIMIT', `the query was stopped: ${reached}. ${advice} ${filePath} was not changed.`);
  }
}

/**
 * A long operation was ended by a signal (Ctrl-C, kill) before it finished: an
 * `af db query`, or a farm command interrupted before it recorded what it started.
 */
export class InterruptedError extends AgentFarmStateError<DomainErrorCode> {
  constructor(
    readonly signal: string,
    what: string,
    outcome: string,
  ) {
    super('E_INTERRUPTED', `${what} was interrupted by ${signal}; ${outcome}`);
  }
}

/** A read found no database file: nothing was recorded there yet, and nothing was created. */
export class NoDatabaseError extends AgentFarmStateError<DomainErrorCode> {
  constructor(
    readonly filePath: string,
    advice: string,
  ) {
    super('E_NO_DATABASE', `there is no database yet at ${filePath} (nothing was created). ${advice}`);
  }
}

/** A spec, protocol, builder or port block the user named does not exist; the message says what was looked for. */
export class NotFoundError extends AgentFarmStateError<DomainErrorCode> {
  constructor(code: NotFoundCode, message: string) {
    super(code, message);
  }
}

/** A file the user named that the farm does not show: outside the project, or in the farm's own folder. */
export class ForbiddenFileError extends AgentFarmStateError<DomainErrorCode> {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super('E_FORBIDDEN', message);
  }
}

/** A process that must run for the command (a builder or architect to send to) is not running as needed. */
export class NotRunningError extends AgentFarmStateError<DomainErrorCode> {
  constructor(message: string) {
    super('E_NOT_RUNNING', message);
  }
}

/** A message to send is over the limit. */
export class MessageTooLargeError extends AgentFarmStateError<DomainErrorCode> {
  constructor(message: string) {
    super('E_MESSAGE_TOO_LARGE', message);
  }
}
