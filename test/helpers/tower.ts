// Two farms of one user for the tower tests: two projects (each a git repository
// with the cheap commands of CONFIG) that share one port registry, and the tower run
// by the built `af` on a port no farm uses; all torn down afterwards.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { nextTestBlock, tearDown, type TestFarm, testFarm } from './farm.js';
import { inFolder } from './processes.js';

const LONG = 'sleep 600';
export const CONFIG = {
  shell: {
    architect: `sh -c 'echo the architect is planning; exec ${LONG}'`,
    builder: `sh -c 'echo the builder is at work; exec ${LONG}'`,
    shell: LONG,
  },
};

export interface Towers {
  folder: string;
  /** The user's folder (AF_GLOBAL_DIR) both farms and the tower share. */
  globalDir: string;
  farms: [TestFarm, TestFarm];
  /** A free port for the tower: a block's +99, which no farm uses. */
  towerPort: number;
  /** `af tower start --port <towerPort> --no-browser`: the URL it printed on a line of its own. */
  startTower(): Promise<string>;
}

/** A farm's project with the test commands, not started. */
function project(folder: string, name: string, globalDir: string): TestFarm {
  mkdirSync(join(folder, name));
  const farm = testFarm(join(folder, name), { tmux: true });
  farm.env.AF_GLOBAL_DIR = globalDir;
  mkdirSync(join(farm.project, 'codev'));
  writeFileSync(join(farm.project, 'codev', 'config.json'), JSON.stringify(CONFIG));
  return farm;
}

export async function startFarm(farm: TestFarm): Promise<string> {
  const start = await farm.af(['start', '--no-browser']);
  assert.is(start.code, 0, `af start: ${start.stderr}`);
  return /^http:\/\/127\.0\.0\.1:\d+\/\?token=\S+$/m.exec(start.stdout)![0];
}

export function towerTest(name: string, body: (towers: Towers) => Promise<void>): void {
  test(
    name,
    inFolder(async (folder) => {
      const globalDir = join(folder, 'home', '.agent-farm');
      const farms: [TestFarm, TestFarm] = [project(folder, 'alpha', globalDir), project(folder, 'beta', globalDir)];
      const towerPort = nextTestBlock() + 99;
      const startTower = async () => {
        const started = await farms[0].af(['tower', 'start', '--port', String(towerPort), '--no-browser']);
        assert.is(started.code, 0, `af tower start: ${started.stderr}`);
        const url = /^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/m.exec(started.stdout)?.[0];
        assert.ok(url, `af tower start prints its URL on a line of its own:\n${started.stdout}`);
        return url;
      };
      try {
        await body({ folder, globalDir, farms, towerPort, startTower });
      } finally {
        await farms[0].af(['tower', 'stop']);
        for (const farm of farms) await tearDown(farm);
      }
    }),
  );
}
