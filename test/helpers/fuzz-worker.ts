// A child process for the fuzz test.
//   make <db>      writes real state (rows checkpointed into the file, then more rows
//                  committed to the -wal), prints "ready" and waits to be SIGKILLed
//   serve          reads one case per line on stdin (JSON: FuzzCase), copies the fixture,
//                  damages it, opens and reads it, and prints one FuzzResult per line
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AgentFarmStateError } from '../../lib/engine/errors.js';
import { StateStore } from '../../lib/state/store.js';

export interface Damage {
  file: 'state.db' | 'state.db-wal';
  kind: 'flip' | 'truncate' | 'append';
  /** flip: the byte offsets (taken modulo the file's size) and what each is XORed with. */
  offsets?: number[];
  masks?: number[];
  /** truncate: the new size as a fraction of the old; append: the junk. */
  fraction?: number;
  junk?: number[];
}

export interface FuzzCase {
  id: number;
  fixture: string;
  folder: string;
  /** fresh: the damaged files are opened; while-open: a process that holds the intact files open reads them after the damage. */
  phase: 'fresh' | 'while-open';
  damage: Damage[];
}

export interface FuzzResult {
  id: number;
  outcome: 'ok' | 'typed' | 'raw';
  integrity?: string;
  /** When our read worked but integrity_check found damage: what the sqlite3 shell's integrity_check says of the same files. */
  shellIntegrity?: string;
  code?: string;
  error?: string;
  /** On failure: every file of the folder as it was before the open. */
  unchanged: boolean;
  ms: number;
}

const [command, dbPath] = process.argv.slice(2);

if (command === 'make') {
  const builder = (n: number) => ({
    id: `b${n}`,
    name: `builder ${n}`,
    port: 4210 + n,
    pid: 1000 + n,
    status: 'implementing' as const,
    phase: 'implement',
    worktree: `/w/b${n}`,
    branch: `builder/b${n}`,
    type: 'task' as const,
    taskText: 'x'.repeat(200 + n * 30),
  });
  const first = await StateStore.open(dbPath!);
  await first.setArchitect({ port: 4201, pid: 4242, cmd: 'claude', startedAt: '2025-12-05T10:00:00.000Z' });
  for (let n = 0; n < 8; n++) await first.upsertBuilder(builder(n));
  await first.close(); // checkpointed: these rows are in the database file
  const second = await StateStore.open(dbPath!);
  for (let n = 8; n < 16; n++) await second.upsertBuilder(builder(n));
  for (let n = 0; n < 4; n++) await second.addUtil({ id: `u${n}`, name: `util ${n}`, port: 4230 + n, pid: 2000 + n });
  await second.addAnnotation({ id: 'a1', file: 'README.md', port: 4250, pid: 3000, parent: { type: 'architect' } });
  await second.removeBuilder('b3');
  console.log('ready'); // committed to the -wal, never checkpointed: the test kills this process now
  await new Promise(() => setInterval(() => {}, 1000));
} else if (command === 'serve') {
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === '') continue;
    console.log(JSON.stringify(await runCase(JSON.parse(line) as FuzzCase)));
  }
}

async function runCase(fuzzCase: FuzzCase): Promise<FuzzResult> {
  const { folder, fixture } = fuzzCase;
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  for (const name of ['state.db', 'state.db-wal']) copyFileSync(join(fixture, name), join(folder, name));
  const path = join(folder, 'state.db');
  const holder = fuzzCase.phase === 'while-open' ? await StateStore.open(path) : undefined;
  if (holder) {
    await holder.loadState();
    await new Promise((resolve) => setImmediate(resolve)); // the lock its open kept for a moment (the lease) is let go
  }
  for (const damage of fuzzCase.damage) applyDamage(join(folder, damage.file), damage);
  const before = fingerprint(folder);
  const damaged = new Map(
    ['state.db', 'state.db-wal']
      .filter((name) => existsSync(join(folder, name)))
      .map((name) => [name, readFileSync(join(folder, name))]),
  );
  const startedAt = Date.now();
  let store: StateStore | undefined;
  try {
    store = holder ?? (await StateStore.open(path));
    await store.loadState();
    const integrity = await store.database.read((db) => {
      try {
        return db
          .exec('PRAGMA integrity_check')
          .flatMap((result) => result.values.map((row) => String(row[0])))
          .join('\n');
      } catch (error) {
        return `integrity_check failed: ${(error as Error).message}`; // a damaged CHECK expression, say: the shell's verdict decides
      }
    });
    await store.close();
    const ms = Date.now() - startedAt;
    return {
      id: fuzzCase.id,
      outcome: 'ok',
      integrity,
      ...(integrity === 'ok' ? {} : { shellIntegrity: shellIntegrity(`${folder}-shell`, damaged) }),
      unchanged: true,
      ms,
    };
  } catch (error) {
    const ms = Date.now() - startedAt;
    await store?.close().catch(() => undefined);
    const unchanged = fingerprint(folder) === before;
    const typed = error instanceof AgentFarmStateError && /^E_[A-Z_]+$/.test(error.code);
    return {
      id: fuzzCase.id,
      outcome: typed ? 'typed' : 'raw',
      code: (error as { code?: string }).code,
      error: String((error as Error)?.stack ?? error),
      unchanged,
      ms,
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** The real SQLite's verdict on the damaged files, from a copy (the shell may checkpoint what it opens). */
function shellIntegrity(folder: string, files: Map<string, Buffer>): string {
  mkdirSync(folder, { recursive: true });
  try {
    for (const [name, bytes] of files) writeFileSync(join(folder, name), bytes);
    const run = spawnSync('sqlite3', [join(folder, 'state.db'), 'PRAGMA integrity_check'], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    return `${run.stdout}${run.stderr}`.trim();
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

function applyDamage(file: string, damage: Damage): void {
  if (!existsSync(file)) return;
  const size = statSync(file).size;
  if (damage.kind === 'truncate') {
    truncateSync(file, Math.floor(size * damage.fraction!));
  } else if (damage.kind === 'append') {
    writeFileSync(file, Uint8Array.from(damage.junk!), { flag: 'a' });
  } else if (size > 0) {
    const bytes = readFileSync(file);
    damage.offsets!.forEach((offset, index) => {
      bytes[offset % size] ^= damage.masks![index]!;
    });
    writeFileSync(file, bytes);
  }
}

/** Names and contents of every file of the folder. */
function fingerprint(folder: string): string {
  return readdirSync(folder)
    .sort()
    .map((name) => {
      const entry = join(folder, name);
      return `${name}:${statSync(entry).isFile() ? createHash('sha256').update(readFileSync(entry)).digest('hex') : 'not a file'}`;
    })
    .join(',');
}
