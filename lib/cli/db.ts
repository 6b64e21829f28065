// `af db`: look inside the state databases, and delete them.
import { cac, type CAC } from 'cac';
import { existsSync } from 'node:fs';
import { DEFAULT_LOCK_TIMING, InvalidInputError, removeDatabaseFiles, selectAll, userTables } from '../engine/index.js';
import { NoDatabaseError } from '../shared/errors.js';
import { action } from './action.js';
import { confirm, isInteractive, note, printJson, printLine, printTable } from './io.js';
import { GLOBAL_TABLES } from '../ports/schema.js';
import { LOCAL_TABLES } from '../state/schema.js';
import { DEFAULT_QUERY_LIMITS, streamQuery, type QueryLimits } from './query-run.js';
import { databasePath, projectRoot, storeExists, withDatabase } from './stores.js';
import { markedProcessGroups } from '../farm/farm-processes.js';
import { farmIdentity } from '../farm/project-farm.js';
import { VERSION } from './version.js';

interface GlobalFlag {
  global?: boolean;
}

async function dump(options: GlobalFlag): Promise<void> {
  const global = Boolean(options.global);
  if (!storeExists(global)) {
    note(`no database yet at ${databasePath(global)}: nothing recorded (nothing was created)`);
    return printJson(Object.fromEntries((global ? GLOBAL_TABLES : LOCAL_TABLES).map((table) => [table, []])));
  }
  const tables = await withDatabase(global, (database) =>
    database.read((db) =>
      Object.fromEntries(userTables(db).map((table) => [table, selectAll(db, `SELECT * FROM "${table}"`)])),
    ),
  );
  printJson(tables);
}

/** A read of a store that does not exist fails rather than creating it. */
function assertStoreExists(global: boolean): void {
  if (!storeExists(global)) {
    throw new NoDatabaseError(
      databasePath(global),
      global
        ? 'No project has taken a port block yet; "af start" in a project creates it.'
        : 'This project has recorded nothing yet; "af start" creates it.',
    );
  }
}

interface QueryOptions extends GlobalFlag {
  timeout?: unknown;
  maxRows?: unknown;
  maxBytes?: unknown;
  '--'?: string[];
}

async function query(sql: string | undefined, options: QueryOptions): Promise<void> {
  const statement = statementText(sql, options['--'] ?? []);
  const limits: QueryLimits = {
    timeoutMs: limitOption(options.timeout, '--timeout', DEFAULT_QUERY_LIMITS.timeoutMs),
    maxRows: limitOption(options.maxRows, '--max-rows', DEFAULT_QUERY_LIMITS.maxRows),
    maxBytes: limitOption(options.maxBytes, '--max-bytes', DEFAULT_QUERY_LIMITS.maxBytes),
  };
  const global = Boolean(options.global);
  assertStoreExists(global);
  await withDatabase(global, (database) => streamQuery(database, statement, limits));
}

/** The SQL: the argument, or what follows `--` (for SQL that starts with a `--` comment). */
function statementText(sql: string | undefined, passed: string[]): string {
  if (sql !== undefined && passed.length > 0)
    throw new InvalidInputError('give the SQL once: either as the argument or after --, not both.');
  const text = sql ?? (passed.length > 0 ? passed.join(' ') : undefined);
  if (text === undefined)
    throw new InvalidInputError(
      'no SQL given. Run e.g. af db query "SELECT * FROM builders", or af db query -- "-- a comment first\nSELECT 1".',
    );
  return String(text);
}

/** A limit option's value: a whole number from 0 (no limit) up. */
function limitOption(value: unknown, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = typeof value === 'number' ? value : Number.NaN;
  if (!Number.isSafeInteger(number) || number < 0)
    throw new InvalidInputError(`${flag} takes a whole number from 0 (no limit) up, got ${JSON.stringify(value)}.`);
  return number;
}

async function stats(options: GlobalFlag & { json?: boolean }): Promise<void> {
  const global = Boolean(options.global);
  assertStoreExists(global);
  const report = await withDatabase(global, (database) => database.stats());
  if (options.json) return printJson(report);
  printLine(`path            ${report.path}`);
  printLine(`size            ${report.sizeBytes} bytes (${report.pageCount} pages of ${report.pageSize} bytes)`);
  printLine(`write-ahead log ${report.logBytes} bytes`);
  printLine(`schema version  ${report.schemaVersion}`);
  printLine(`lock            ${report.lock.state} (${report.lock.path})`);
  printLine();
  printTable(['table', 'rows'], Object.entries(report.tables));
}

async function reset(options: GlobalFlag & { force?: boolean }): Promise<void> {
  const path = databasePath(Boolean(options.global));
  if (!existsSync(path)) {
    note(`nothing to delete: ${path} does not exist`);
    return;
  }
  if (!options.force) {
    if (!isInteractive())
      throw new InvalidInputError(
        `not deleting ${path}: there is no terminal to confirm on. Run "af db reset${options.global ? ' --global' : ''} --force" to delete it without asking.`,
      );
    if (!(await confirm(`Delete ${path} and everything recorded in it?`))) {
      note('nothing deleted');
      return;
    }
  }
  for (const removed of await removeDatabaseFiles(path, DEFAULT_LOCK_TIMING)) note(`deleted ${removed}`);
  if (!options.global) noteUnrecordedProcesses();
}

/** The farm's processes outlive its state: say so, and what ends them. */
function noteUnrecordedProcesses(): void {
  const running = markedProcessGroups(farmIdentity(projectRoot()).id);
  if (running.length === 0) return;
  const pids = running.map((found) => found.pid).join(', ');
  note(`the farm's processes still run, no longer recorded (pid ${pids}): "af stop" ends them.`);
}

export function dbProgram(): CAC {
  const cli = cac('af db');
  cli
    .command('dump', 'Print every table (but _migrations) as one JSON object of arrays')
    .option('--global', 'Use the global port registry (global.db) instead of the project state')
    .example('af db dump > state.json')
    .example('af db dump --global')
    .action(action(dump));
  cli
    .command('query [sql]', 'Run one read-only SQL statement and print its rows as JSON, as they come')
    .option('--global', 'Query global.db instead of the project state')
    .option(
      '--timeout <ms>',
      `Stop the query after this many milliseconds, 0 for no limit (default ${DEFAULT_QUERY_LIMITS.timeoutMs})`,
    )
    .option(
      '--max-rows <n>',
      `Stop after printing this many rows, 0 for no limit (default ${DEFAULT_QUERY_LIMITS.maxRows})`,
    )
    .option(
      '--max-bytes <n>',
      `Stop before printing more than this many bytes, 0 for no limit (default ${DEFAULT_QUERY_LIMITS.maxBytes})`,
    )
    .example(`af db query "SELECT id, status, port FROM builders WHERE status = 'blocked'"`)
    .example('af db query "PRAGMA integrity_check"')
    .example('af db query --max-rows 0 --timeout 60000 "SELECT * FROM builders"')
    .example(`af db query -- "$(cat check.sql)"     (after --: SQL that starts with a -- comment)`)
    .action(action(query));
  cli
    .command('stats', 'Show the file, its size, schema version, row counts and lock state')
    .option('--global', 'Report on global.db instead of the project state')
    .option('--json', 'Print the report as JSON')
    .example('af db stats --json')
    .action(action(stats));
  cli
    .command('reset', 'Delete the database, its lock and side files (asks first)')
    .option('--global', 'Delete global.db (every project loses its port block)')
    .option('--force', 'Delete without asking (needed when not on a terminal)')
    .example('af db reset')
    .example('af db reset --global --force')
    .action(action(reset));
  cli.help();
  cli.version(VERSION);
  return cli;
}
