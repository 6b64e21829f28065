// The native version's registry file, ports.json, imported into global.db by the
// first migration: both of its shapes, checked entry by entry so that an error names
// the file and the entry.
import type { SqlDatabase } from '../engine/index.js';
import { JsonFileValidator, readJsonIfPresent } from '../shared/json-import.js';
import { BLOCK_SIZE, DEFAULT_BASE_PORT, isBlockStart } from './layout.js';
import { registryKey } from './project-key.js';

interface ImportedAllocation {
  key: string;
  basePort: number;
  registeredAt: string;
  lastUsedAt: string;
  pid: number | undefined;
}

/** Inserts the allocations of the ports.json at `filePath`, if there is one. */
export function importPortsJson(db: SqlDatabase, filePath: string): void {
  const content = readJsonIfPresent(filePath);
  if (content === undefined) return;
  for (const entry of parsePortsJson(content, new JsonFileValidator(filePath))) {
    db.run(
      'INSERT INTO port_allocations (project_path, base_port, pid, registered_at, last_used_at) VALUES (?, ?, ?, ?, ?)',
      [entry.key, entry.basePort, entry.pid ?? null, entry.registeredAt, entry.lastUsedAt],
    );
  }
}

/** Both shapes of ports.json: `{ version: 1, entries }`, or (legacy) the entries at the top level. */
function parsePortsJson(content: unknown, file: JsonFileValidator): ImportedAllocation[] {
  const top = file.object(content, 'the top level');
  const versioned = 'version' in top;
  if (versioned && top.version !== 1) file.fail('version', '1, the only version this package reads', top.version);
  const entries = versioned ? file.object(top.entries, 'entries') : top;
  const prefix = versioned ? 'entries' : '';
  // Checked here, not left to the schema, so the error names the file and the entry.
  const keyOwners = new Map<string, string>();
  const portOwners = new Map<number, string>();
  return Object.entries(entries).map(([projectPath, value]) => {
    const path = `${prefix}[${JSON.stringify(projectPath)}]`;
    const entry = file.object(value, path);
    if (projectPath === '') file.fail(path, 'named by a project path', projectPath);
    const key = registryKey(projectPath);
    const sameKey = keyOwners.get(key);
    if (sameKey !== undefined) file.fail(path, `a project other than ${sameKey} (both resolve to ${key})`, projectPath);
    keyOwners.set(key, path);
    const basePort = file.integer(entry.basePort, `${path}.basePort`);
    if (!isBlockStart(basePort))
      file.fail(`${path}.basePort`, `a multiple of ${BLOCK_SIZE} from ${DEFAULT_BASE_PORT} up`, basePort);
    const samePort = portOwners.get(basePort);
    if (samePort !== undefined)
      file.fail(`${path}.basePort`, `a block no other entry has (${samePort} has it too)`, basePort);
    portOwners.set(basePort, path);
    const pid = file.optionalInteger(entry.pid, `${path}.pid`);
    if (pid !== undefined && pid <= 0) file.fail(`${path}.pid`, 'a positive process id', pid);
    const registeredAt = file.time(entry.registered, `${path}.registered`);
    const lastUsedAt =
      entry.lastUsed === undefined || entry.lastUsed === null
        ? registeredAt
        : file.time(entry.lastUsed, `${path}.lastUsed`);
    return { key, basePort, registeredAt, lastUsedAt, pid };
  });
}
