// The first block's port: the basePort option, else AF_BASE_PORT, else 4200. Either
// setting must leave room for every block below port 65536.
import { InvalidInputError } from '../engine/index.js';
import { BLOCK_COUNT, BLOCK_SIZE, DEFAULT_BASE_PORT, HIGHEST_BASE_PORT, isBlockStart } from './layout.js';

/** AF_BASE_PORT when set, else the default; a value that is not a usable base port fails. */
export function basePortFromEnvironment(): number {
  const value = process.env.AF_BASE_PORT;
  if (value === undefined || value.trim() === '') return DEFAULT_BASE_PORT;
  const port = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  checkBasePort(
    port,
    `AF_BASE_PORT=${JSON.stringify(value)}`,
    `set e.g. AF_BASE_PORT=${DEFAULT_BASE_PORT + BLOCK_SIZE}, or unset it to start at ${DEFAULT_BASE_PORT}`,
  );
  return port;
}

/** Fails with an InvalidInputError naming `setting` and the `remedy` unless `port` is a usable base port. */
export function checkBasePort(port: number, setting: string, remedy: string): void {
  if (isBlockStart(port) && port <= HIGHEST_BASE_PORT) return;
  throw new InvalidInputError(
    `${setting} is not a usable base port: it must be a multiple of ${BLOCK_SIZE} from ${DEFAULT_BASE_PORT} to ${HIGHEST_BASE_PORT}, so that ${BLOCK_COUNT} blocks of ${BLOCK_SIZE} ports fit below 65536; ${remedy}.`,
  );
}
