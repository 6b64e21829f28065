// The port registry (global.db): one block of 100 ports per project, shared by
// every agent-farm process of the user. Allocation reads the free blocks and
// inserts in one transaction, so two processes never get the same block.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  assertSchema,
  type DatabaseOptions,
  isProcessAlive,
  optional,
  type Row,
  selectAll,
  selectOne,
  SharedDatabase,
  withConstraintErrors,
} from '../engine/index.js';
import { PortsExhaustedError } from '../shared/errors.js';
import { globalDbPath } from '../shared/paths.js';
import { basePortFromEnvironment, checkBasePort } from './base-port.js';
import { candidateBlocks, portLayout } from './layout.js';
import { globalMigrations } from './migrations.js';
import { keepPrivate } from './private-files.js';
import { isRemoteKey, registryKey } from './project-key.js';
import { GLOBAL_SCHEMA_V1 } from './schema.js';
import type { PortAllocation, PortLayout } from './types.js';

export interface PortRegistryOptions
  extends Pick<DatabaseOptions, 'busyTimeout' | 'staleThreshold' | 'durability' | 'wasmPath'> {
  /** The native version's registry to import on first open. Default: `ports.json` beside the database. */
  portsJsonPath?: string;
  /** The first block's port. Default: AF_BASE_PORT, else 4200. */
  basePort?: number;
}

export class PortRegistry {
  private constructor(
    readonly database: SharedDatabase,
    private readonly basePortOption: number | undefined,
  ) {}

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
        db.run("UPDATE port_allocations SET last_used_at = datetime('now'), pid = ? WHERE project_path = ?", [
          process.pid,
          key,
        ]);
        return Number(existing.base_port);
      }
      const taken = new Set(
        selectAll(db, 'SELECT base_port FROM port_allocations').map((row) => Number(row.base_port)),
      );
      const free = candidates.find((port) => !taken.has(port));
      if (free === undefined) throw new PortsExhaustedError(candidates.length);
      const row = { project_path: key, base_port: free, pid: process.pid };
      withConstraintErrors('port_allocations', row, () =>
        db.run('INSERT INTO port_allocations (project_path, base_port, pid) VALUES (?, ?, ?)', [
          row.project_path,
          row.base_port,
          row.pid,
        ]),
      );
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
      selectAll(
        db,
        'SELECT project_path, base_port, pid, registered_at, last_used_at FROM port_allocations ORDER BY base_port',
      ).map(toAllocation),
    );
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
        if (!isRemoteKey(key) && !existsSync(key)) {
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
