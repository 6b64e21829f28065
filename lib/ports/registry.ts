// The port registry (global.db): one block of 100 ports per project, shared by
// every agent-farm process of the user. Allocation reads the free blocks and
// inserts in one transaction, so two processes never get the same block.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { assertSchema, createOrAdopt, type DatabaseOptions, InvalidInputError, isProcessAlive, type Migration, optional, PortsExhaustedError, type Row, selectAll, selectOne, SharedDatabase, type SqlDatabase, withConstraintErrors } from '../engine/index.js';
import { JsonShape, keepAsBackup, readJsonIfPresent } from '../shared/json-import.js';
import { globalDbPath } from '../shared/paths.js';
import { keepPrivate } from './private-files.js';
import { GLOBAL_SCHEMA_V1 } from './schema.js';
import type { PortAllocation, PortRange } from '../state/types.js';

const DEFAULT_BASE_PORT = 4200;
const BLOCK_SIZE = 100;
const BLOCK_COUNT = 58;
/** macOS AirPlay listens on 5000. */
const RESERVED_BLOCK = 5000;
/** The highest base whose 58 blocks all end below port 65536. */
const HIGHEST_BASE_PORT = Math.floor((65536 - BLOCK_COUNT * BLOCK_SIZE) / BLOCK_SIZE) * BLOCK_SIZE;
/** Keys with this prefix name projects on other machines: kept as given, never looked up on disk. */
const REMOTE_PREFIX = 'remote:';

export interface PortLayout {
  basePort: number;
  dashboard: number;
  architect: number;
  builders: PortRange;
  utils: PortRange;
  annotations: PortRange;
}

export interface PortRegistryOptions extends Pick<DatabaseOptions, 'busyTimeout' | 'staleThreshold' | 'durability' | 'wasmPath'> {
  /** The native version's registry to import on first open. Default: `ports.json` beside the database. */
  portsJsonPath?: string;
  /** The first block's port. Default: AF_BASE_PORT, else 4200. */
  basePort?: number;
}

/** The ports of one project's block. */
export function portLayout(basePort: number): PortLayout {
  const range = (first: number, last: number): PortRange => ({ first: basePort + first, last: basePort + last });
  return {
    basePort,
    dashboard: basePort,
    architect: basePort + 1,
    builders: range(10, 29),
    utils: range(30, 49),
    annotations: range(50, 69),
  };
}

export class PortRegistry {
  private constructor(readonly database: SharedDatabase, private readonly basePortOption: number | undefined) {}

  static async open(dbPath: string = globalDbPath(), options: PortRegistryOptions = {}): Promise<PortRegistry> {
    const { portsJsonPath = join(dirname(resolve(dbPath)), 'ports.json'), basePort, ...databaseOptions } = options;
    if (basePort !== undefined) checkBasePort(basePort, `the basePort option (${basePort})`, 'pass e.g. 4200');
    // The registry reveals every project path of the user: an existing one that others can read is tightened first.
    const absolutePath = resolve(dbPath);
    keepPrivate(dirname(absolutePath), [absolutePath, `${absolutePath}-wal`]);
    const db = await SharedDatabase.open(dbPath, {
      ...databaseOptions,
      // What this creates is private from the start.
      fileMode: 0o600,
      folderMode: 0o700,
      migrations: globalMigrations(portsJsonPath, absolutePath),
      verify: (sql) => assertSchema(sql, GLOBAL_SCHEMA_V1, absolutePath, { otherTables: 'allowed' }),
    });
    return new PortRegistry(db, basePort);
  }

  /** The project's base port: its block when it has one (refreshing last use and pid), else the lowest free block. */
  async getPortBlock(projectRoot: string): Promise<number> {
    const key = registryKey(projectRoot);
    const candidates = candidateBlocks(this.basePortOption ?? basePortFromEnvironment());
    return this.database.transaction((db) => {
      const existing = selectOne(db, 'SELECT base_port FROM port_allocations WHERE project_path = ?', [key]);
      if (existing) {
        db.run("UPDATE port_allocations SET last_used_at = datetime('now'), pid = ? WHERE project_path = ?", [process.pid, key]);
        return Number(existing.base_port);
      }
      const taken = new Set(selectAll(db, 'SELECT base_port FROM port_allocations').map((row) => Number(row.base_port)));
      const free = candidates.find((port) => !taken.has(port));
      if (free === undefined) throw new PortsExhaustedError(candidates.length);
      const row = { project_path: key, base_port: free, pid: process.pid };
      withConstraintErrors('port_allocations', row, () =>
        db.run('INSERT INTO port_allocations (project_path, base_port, pid) VALUES (?, ?, ?)', [row.project_path, row.base_port, row.pid]));
      return free;
    });
  }

  /** The project's ports, allocating its block when it has none. */
  async getProjectPorts(projectRoot: string): Promise<PortLayout> {
    return portLayout(await this.getPortBlock(projectRoot));
  }

  /** Every allocation, by base port. Only reads: it neither allocates nor writes. */
  async listAllocations(): Promise<PortAllocation[]> {
    return this.database.read((db) =>
      selectAll(db, 'SELECT project_path, base_port, pid, registered_at, last_used_at FROM port_allocations ORDER BY base_port').map(toAllocation));
  }

  /** True when the project had a block. */
  async removeAllocation(projectPath: string): Promise<boolean> {
    const key = registryKey(projectPath);
    return this.database.transaction((db) => {
      db.run('DELETE FROM port_allocations WHERE project_path = ?', [key]);
      return db.getRowsModified() > 0;
    });
  }

  /** Removes the blocks of projects whose folder is gone (never `remote:` ones) and forgets dead pids. */
  async cleanupStaleEntries(): Promise<{ removed: string[]; remaining: number }> {
    return this.database.transaction((db) => {
      const removed: string[] = [];
      for (const row of selectAll(db, 'SELECT project_path, pid FROM port_allocations ORDER BY base_port')) {
        const key = String(row.project_path);
        if (!key.startsWith(REMOTE_PREFIX) && !existsSync(key)) {
          db.run('DELETE FROM port_allocations WHERE project_path = ?', [key]);
          removed.push(key);
        } else if (row.pid !== null && !isProcessAlive(Number(row.pid))) {
          db.run('UPDATE port_allocations SET pid = NULL WHERE project_path = ?', [key]);
        }
      }
      const remaining = Number(selectOne(db, 'SELECT count(*) AS n FROM port_allocations')!.n);
      return { removed, remaining };
    });
  }

  async close(): Promise<void> {
    return this.database.close();
  }
}

function globalMigrations(portsJsonPath: string, dbPath: string): Migration[] {
  return [{
    version: 1,
    description: 'port allocations, imported from ports.json when present',
    up: (db) => {
      createOrAdopt(db, GLOBAL_SCHEMA_V1, dbPath);
      importPortsJson(db, portsJsonPath);
    },
    afterCommit: () => keepAsBackup(portsJsonPath),
  }];
}

interface ImportedAllocation {
  key: string;
  basePort: number;
  registeredAt: string;
  lastUsedAt: string;
  pid: number | undefined;
}

function importPortsJson(db: SqlDatabase, filePath: string): void {
  const content = readJsonIfPresent(filePath);
  if (content === undefined) return;
  for (const entry of parsePortsJson(content, new JsonShape(filePath))) {
    db.run('INSERT INTO port_allocations (project_path, base_port, pid, registered_at, last_used_at) VALUES (?, ?, ?, ?, ?)',
      [entry.key, entry.basePort, entry.pid ?? null, entry.registeredAt, entry.lastUsedAt]);
  }
}

/** Both shapes of ports.json: `{ version: 1, entries }`, or (legacy) the entries at the top level. */
function parsePortsJson(content: unknown, shape: JsonShape): ImportedAllocation[] {
  const top = shape.object(content, 'the top level');
  const versioned = 'version' in top;
  if (versioned && top.version !== 1) shape.fail('version', '1, the only version this package reads', top.version);
  const entries = versioned ? shape.object(top.entries, 'entries') : top;
  const prefix = versioned ? 'entries' : '';
  // Checked here, not left to the schema, so the error names the file and the entry.
  const keyOwners = new Map<string, string>();
  const portOwners = new Map<number, string>();
  return Object.entries(entries).map(([projectPath, value]) => {
    const path = `${prefix}[${JSON.stringify(projectPath)}]`;
    const entry = shape.object(value, path);
    if (projectPath === '') shape.fail(path, 'named by a project path', projectPath);
    const key = registryKey(projectPath);
    const sameKey = keyOwners.get(key);
    if (sameKey !== undefined) shape.fail(path, `a project other than ${sameKey} (both resolve to ${key})`, projectPath);
    keyOwners.set(key, path);
    const basePort = shape.integer(entry.basePort, `${path}.basePort`);
    if (!isBlockStart(basePort)) shape.fail(`${path}.basePort`, `a multiple of ${BLOCK_SIZE} from ${DEFAULT_BASE_PORT} up`, basePort);
    const samePort = portOwners.get(basePort);
    if (samePort !== undefined) shape.fail(`${path}.basePort`, `a block no other entry has (${samePort} has it too)`, basePort);
    portOwners.set(basePort, path);
    const pid = shape.optionalInteger(entry.pid, `${path}.pid`);
    if (pid !== undefined && pid <= 0) shape.fail(`${path}.pid`, 'a positive process id', pid);
    const registeredAt = shape.time(entry.registered, `${path}.registered`);
    const lastUsedAt = entry.lastUsed === undefined || entry.lastUsed === null ? registeredAt : shape.time(entry.lastUsed, `${path}.lastUsed`);
    return { key, basePort, registeredAt, lastUsedAt, pid };
  });
}

/** `remote:` keys as given; every other key as an absolute, resolved path. */
function registryKey(projectRoot: string): string {
  if (typeof projectRoot !== 'string' || projectRoot === '') throw new InvalidInputError(`a project path is needed, got ${JSON.stringify(projectRoot)}.`);
  return projectRoot.startsWith(REMOTE_PREFIX) ? projectRoot : resolve(projectRoot);
}

/** The blocks a new project may get, lowest first. */
function candidateBlocks(basePort: number): number[] {
  return Array.from({ length: BLOCK_COUNT }, (_, i) => basePort + i * BLOCK_SIZE).filter((port) => port !== RESERVED_BLOCK);
}

function basePortFromEnvironment(): number {
  const value = process.env.AF_BASE_PORT;
  if (value === undefined || value.trim() === '') return DEFAULT_BASE_PORT;
  const port = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  checkBasePort(port, `AF_BASE_PORT=${JSON.stringify(value)}`, `set e.g. AF_BASE_PORT=${DEFAULT_BASE_PORT + BLOCK_SIZE}, or unset it to start at ${DEFAULT_BASE_PORT}`);
  return port;
}

function checkBasePort(port: number, setting: string, remedy: string): void {
  if (isBlockStart(port) && port <= HIGHEST_BASE_PORT) return;
  throw new InvalidInputError(`${setting} is not a usable base port: it must be a multiple of ${BLOCK_SIZE} from ${DEFAULT_BASE_PORT} to ${HIGHEST_BASE_PORT}, so that ${BLOCK_COUNT} blocks of ${BLOCK_SIZE} ports fit below 65536; ${remedy}.`);
}

/** What the schema's CHECK on base_port accepts. */
function isBlockStart(port: number): boolean {
  return Number.isInteger(port) && port >= DEFAULT_BASE_PORT && port % BLOCK_SIZE === 0;
}

function toAllocation(row: Row): PortAllocation {
  const pid = optional(row.pid as number | null);
  return {
    path: String(row.project_path),
    basePort: Number(row.base_port),
    registered: String(row.registered_at),
    lastUsed: String(row.last_used_at),
    ...(pid === undefined ? {} : { pid }),
    pidAlive: pid !== undefined && isProcessAlive(pid),
  };
}
