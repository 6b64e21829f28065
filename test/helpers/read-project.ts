// A project with state for the read-only commands' tests, and what they need to
// watch: a hash of a file, every path under a folder, a child's peak memory.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StateStore } from '../../lib/state/store.js';

export interface ReadProject {
  cwd: string;
  home: string;
  dbPath: string;
}

/** `<folder>/project` (found by its codev/ folder) holding `builders` builders; the home beside it has no registry. */
export async function readProject(folder: string, builders = 3): Promise<ReadProject> {
  const cwd = join(folder, 'project');
  const home = join(folder, 'home');
  mkdirSync(join(cwd, 'codev'), { recursive: true });
  mkdirSync(home, { recursive: true });
  const dbPath = join(cwd, '.agent-farm', 'state.db');
  const store = await StateStore.open(dbPath);
  await store.setArchitect({ port: 4201, pid: 1, cmd: 'claude' });
  await store.database.transaction((db) => {
    for (let index = 0; index < builders; index++) {
      db.run(
        "INSERT INTO builders (id, name, port, pid, status, worktree, branch) VALUES (?, ?, ?, 2, 'implementing', ?, ?)",
        [
          `b-${String(index).padStart(5, '0')}`,
          `builder number ${index}`,
          10_000 + index,
          `/work/trees/builder-${index}`,
          `builder/${index}`,
        ],
      );
    }
  });
  await store.close();
  return { cwd, home, dbPath };
}

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Every file and folder under `folder`, relative, sorted; [] when it does not exist. */
export function listTree(folder: string): string[] {
  if (!existsSync(folder)) return [];
  const found: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir).sort()) {
      const relative = prefix ? `${prefix}/${name}` : name;
      found.push(relative);
      if (statSync(join(dir, name)).isDirectory()) walk(join(dir, name), relative);
    }
  };
  walk(folder, '');
  return found;
}

/** The peak resident memory in bytes the process `pid` reached so far (Linux: VmHWM), or undefined once it is gone. */
export function peakRss(pid: number): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
