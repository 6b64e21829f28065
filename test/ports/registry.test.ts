// The port registry in one process, on real files: which block a project gets,
// the keys, cleanup, a list that never writes, the file's modes, and the import
// of the native version's ports.json.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as defaultPorts from '../../lib/ports/user-registry.js';
import { portLayout } from '../../lib/ports/layout.js';
import { PortRegistry, type PortRegistryOptions } from '../../lib/ports/registry.js';
import { rejectsWith } from '../helpers/assertions.js';
import { finished, inFolder } from '../helpers/processes.js';
import { sqliteShell } from '../helpers/sqlite-shell.js';

// The expectations below assume the default base of 4200.
delete process.env.AF_BASE_PORT;

type Open = (options?: PortRegistryOptions) => Promise<PortRegistry>;

/** A test in a fresh folder; `open` opens registries at `<folder>/global.db` and the test closes them. */
function registryTest(name: string, body: (folder: string, open: Open) => Promise<void>): void {
  test(
    name,
    inFolder(async (folder) => {
      const opened: PortRegistry[] = [];
      try {
        await body(folder, async (options) => {
          const registry = await PortRegistry.open(join(folder, 'global.db'), options);
          opened.push(registry);
          return registry;
        });
      } finally {
        for (const registry of opened) await registry.close();
      }
    }),
  );
}

/** Runs `body` with the environment variable set (or removed, for undefined), then restores it. */
async function withEnv(name: string, value: string | undefined, body: () => Promise<void>): Promise<void> {
  const saved = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  try {
    await body();
  } finally {
    if (saved === undefined) delete process.env[name];
    else process.env[name] = saved;
  }
}

async function allocateMany(registry: PortRegistry, count: number, prefix = '/projects/p'): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < count; i++) ports.push(await registry.getPortBlock(`${prefix}${i}`));
  return ports;
}

const rowsOf = (dbPath: string) =>
  sqliteShell(
    dbPath,
    "SELECT project_path, base_port, ifnull(pid, '-'), registered_at, last_used_at FROM port_allocations ORDER BY base_port",
  );

test('portLayout puts each service at its offset in the block', () => {
  assert.equal(portLayout(4300), {
    basePort: 4300,
    dashboard: 4300,
    architect: 4301,
    builders: { first: 4310, last: 4329 },
    utils: { first: 4330, last: 4349 },
    annotations: { first: 4350, last: 4369 },
  });
});

registryTest('the same project gets the same block again, refreshing last_used_at and pid', async (folder, open) => {
  const dbPath = join(folder, 'global.db');
  const registry = await open();
  assert.is(await registry.getPortBlock('/projects/alpha'), 4200);
  const registeredAt = sqliteShell(dbPath, 'SELECT registered_at FROM port_allocations');
  sqliteShell(dbPath, "UPDATE port_allocations SET last_used_at = '2000-01-01 00:00:00', pid = 1");
  // The same path spelled differently is the same project.
  assert.is(await registry.getPortBlock('/projects/other/../alpha/'), 4200);
  assert.is(sqliteShell(dbPath, 'SELECT count(*) FROM port_allocations'), '1');
  const [lastUsed, pid, registered] = sqliteShell(
    dbPath,
    'SELECT last_used_at, pid, registered_at FROM port_allocations',
  ).split('|');
  assert.is.not(lastUsed, '2000-01-01 00:00:00');
  assert.match(lastUsed!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  assert.is(pid, String(process.pid));
  assert.is(registered, registeredAt, 'registered_at is kept');
  assert.equal(await registry.getProjectPorts('/projects/alpha'), portLayout(4200));
});

registryTest('a new project takes the lowest free block, reusing the gap a removed one left', async (_folder, open) => {
  const registry = await open();
  assert.equal(await allocateMany(registry, 3), [4200, 4300, 4400]);
  assert.is(await registry.removeAllocation('/projects/p1'), true);
  assert.is(await registry.removeAllocation('/projects/p1'), false, 'nothing left to remove');
  assert.is(await registry.getPortBlock('/projects/new'), 4300);
  assert.is(await registry.getPortBlock('/projects/newer'), 4500);
});

registryTest('the block at 5000 is never handed out', async (_folder, open) => {
  const registry = await open();
  assert.equal(await allocateMany(registry, 9), [4200, 4300, 4400, 4500, 4600, 4700, 4800, 4900, 5100]);
});

registryTest('AF_BASE_PORT moves the base; a bad value is refused, naming AF_BASE_PORT', async (_folder, open) => {
  const registry = await open();
  await withEnv('AF_BASE_PORT', '6000', async () => {
    assert.equal(await allocateMany(registry, 2), [6000, 6100]);
  });
  for (const bad of ['4250', '4100', 'abc', '6000.5', '-4200', '59800']) {
    await withEnv('AF_BASE_PORT', bad, async () => {
      await rejectsWith(
        registry.getPortBlock('/projects/bad'),
        'E_INVALID_INPUT',
        'AF_BASE_PORT',
        bad,
        'multiple of 100',
      );
    });
  }
  assert.is((await registry.listAllocations()).length, 2, 'a refused base allocates nothing');
});

registryTest('the basePort option overrides AF_BASE_PORT and is checked on open', async (_folder, open) => {
  await withEnv('AF_BASE_PORT', '6000', async () => {
    const registry = await open({ basePort: 7000 });
    assert.is(await registry.getPortBlock('/projects/alpha'), 7000);
  });
  await rejectsWith(open({ basePort: 4250 }), 'E_INVALID_INPUT', 'basePort', '4250');
});

registryTest(
  'after 58 candidate blocks (5000 skipped) the next project gets E_PORTS_EXHAUSTED, saying how to free blocks',
  async (_folder, open) => {
    const registry = await open({ durability: 'none' });
    const ports = await allocateMany(registry, 57);
    assert.is(new Set(ports).size, 57);
    assert.is(Math.max(...ports), 4200 + 57 * 100);
    assert.not.ok(ports.includes(5000));
    await rejectsWith(registry.getPortBlock('/projects/one-too-many'), 'E_PORTS_EXHAUSTED', '57', 'af ports cleanup');
    assert.is(await registry.getPortBlock('/projects/p0'), 4200, 'projects with a block still get it');
  },
);

registryTest('remote: keys are kept as given and cleanup never checks them against the disk', async (_folder, open) => {
  const registry = await open();
  const remoteKey = 'remote:build-box:/srv/../srv/app/';
  await registry.getPortBlock(remoteKey);
  await registry.getPortBlock('relative/missing-project');
  assert.equal(
    (await registry.listAllocations()).map((allocation) => allocation.path),
    [remoteKey, resolve('relative/missing-project')],
  );
  assert.equal(await registry.cleanupStaleEntries(), { removed: [resolve('relative/missing-project')], remaining: 1 });
  assert.equal(
    (await registry.listAllocations()).map((allocation) => allocation.path),
    [remoteKey],
  );
});

registryTest(
  'cleanupStaleEntries removes the entry of a deleted folder and clears a dead pid',
  async (folder, open) => {
    const dbPath = join(folder, 'global.db');
    const [kept, deleted, abandoned] = ['kept', 'deleted', 'abandoned'].map((name) => join(folder, name));
    for (const project of [kept, deleted, abandoned]) mkdirSync(project);
    const registry = await open();
    for (const project of [kept, deleted, abandoned]) await registry.getPortBlock(project);
    const exited = spawn(process.execPath, ['-e', '']);
    await finished(exited);
    sqliteShell(dbPath, `UPDATE port_allocations SET pid = ${exited.pid} WHERE project_path = '${abandoned}'`);
    rmSync(deleted, { recursive: true });

    const alive = Object.fromEntries(
      (await registry.listAllocations()).map((allocation) => [allocation.path, allocation.pidAlive]),
    );
    assert.equal(alive, { [kept]: true, [deleted]: true, [abandoned]: false });
    assert.equal(await registry.cleanupStaleEntries(), { removed: [deleted], remaining: 2 });
    assert.is(
      rowsOf(dbPath)
        .split('\n')
        .map((row) => row.split('|').slice(0, 3).join('|'))
        .join('\n'),
      `${kept}|4200|${process.pid}\n${abandoned}|4400|-`,
    );
    const [abandonedAllocation] = (await registry.listAllocations()).filter(
      (allocation) => allocation.path === abandoned,
    );
    assert.equal([abandonedAllocation!.pid, abandonedAllocation!.pidAlive], [undefined, false]);
  },
);

registryTest(
  'listAllocations only reads: global.db stays byte-identical and nothing is allocated',
  async (folder, open) => {
    const dbPath = join(folder, 'global.db');
    const registry = await open();
    await registry.getPortBlock('/projects/zulu');
    await registry.getPortBlock('/projects/alpha');
    const bytes = readFileSync(dbPath);
    const { ino, mtimeNs } = statSync(dbPath, { bigint: true });

    const listed = await registry.listAllocations();
    assert.equal(
      listed.map(({ path, basePort, pid, pidAlive }) => ({ path, basePort, pid, pidAlive })),
      [
        { path: '/projects/zulu', basePort: 4200, pid: process.pid, pidAlive: true },
        { path: '/projects/alpha', basePort: 4300, pid: process.pid, pidAlive: true },
      ],
    );
    assert.match(listed[0]!.registered, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    await (await open()).listAllocations(); // a second opener of the existing file reads too
    assert.ok(readFileSync(dbPath).equals(bytes), 'same bytes');
    const after = statSync(dbPath, { bigint: true });
    assert.equal([after.ino, after.mtimeNs], [ino, mtimeNs], 'same file, not rewritten');
    assert.is(sqliteShell(dbPath, 'SELECT count(*) FROM port_allocations'), '2');
  },
);

registryTest('global.db is created 0600 in a folder created 0700', async (folder) => {
  const globalFolder = join(folder, 'home', '.agent-farm');
  const dbPath = join(globalFolder, 'global.db');
  const registry = await PortRegistry.open(dbPath);
  try {
    await registry.getPortBlock('/projects/alpha');
    assert.is(statSync(dbPath).mode & 0o777, 0o600);
    assert.is(statSync(globalFolder).mode & 0o777, 0o700);
    assert.is(statSync(join(folder, 'home')).mode & 0o777, 0o700);
  } finally {
    await registry.close();
  }
});

registryTest(
  'the module functions share one registry at AF_GLOBAL_DIR, reopened after closeGlobalDb',
  async (folder) => {
    for (const name of ['first', 'second']) {
      await withEnv('AF_GLOBAL_DIR', join(folder, name), async () => {
        try {
          assert.is(await defaultPorts.getPortBlock('/projects/alpha'), 4200);
          assert.equal(await defaultPorts.getProjectPorts('/projects/beta'), portLayout(4300));
          assert.equal(
            (await defaultPorts.listAllocations()).map((allocation) => allocation.basePort),
            [4200, 4300],
          );
          assert.is(await defaultPorts.removeAllocation('/projects/alpha'), true);
          assert.equal(await defaultPorts.cleanupStaleEntries(), { removed: ['/projects/beta'], remaining: 0 });
          assert.ok(existsSync(join(folder, name, 'global.db')));
        } finally {
          await defaultPorts.closeGlobalDb();
        }
      });
    }
  },
);

// ports.json: what the native version left behind.
const registered = '2024-05-01T10:00:00.000Z';
const nativeEntries = {
  '/home/user/alpha': { basePort: 4200, registered, lastUsed: '2024-06-02T12:30:45.678Z', pid: process.pid },
  '/home/user/beta': { basePort: 4500, registered },
  'remote:box:/srv/gamma': { basePort: 5100, registered: '2024-05-03T00:00:00+02:00', lastUsed: registered },
};
const importedRows = [
  `/home/user/alpha|4200|${process.pid}|2024-05-01 10:00:00|2024-06-02 12:30:45`,
  '/home/user/beta|4500|-|2024-05-01 10:00:00|2024-05-01 10:00:00',
  'remote:box:/srv/gamma|5100|-|2024-05-02 22:00:00|2024-05-01 10:00:00',
].join('\n');

for (const [shape, content] of [
  ['versioned', { version: 1, entries: nativeEntries }],
  ['legacy', nativeEntries],
] as const) {
  registryTest(
    `ports.json in the ${shape} shape is imported on first open, every field, then kept as .bak`,
    async (folder, open) => {
      const jsonPath = join(folder, 'ports.json');
      const text = JSON.stringify(content, null, 2);
      writeFileSync(jsonPath, text);
      const registry = await open();
      assert.is(rowsOf(join(folder, 'global.db')), importedRows);
      assert.not.ok(existsSync(jsonPath), 'ports.json is gone');
      assert.is(readFileSync(`${jsonPath}.bak`, 'utf8'), text);
      const [alpha] = await registry.listAllocations();
      assert.equal(alpha, {
        path: '/home/user/alpha',
        basePort: 4200,
        registered: '2024-05-01 10:00:00',
        lastUsed: '2024-06-02 12:30:45',
        pid: process.pid,
        pidAlive: true,
      });
      assert.is(await registry.getPortBlock('/projects/new'), 4300, 'imported blocks are taken');
    },
  );
}

registryTest('the portsJsonPath option imports from another file', async (folder, open) => {
  const jsonPath = join(folder, 'elsewhere', 'registry.json');
  mkdirSync(join(folder, 'elsewhere'));
  writeFileSync(jsonPath, JSON.stringify({ version: 1, entries: nativeEntries }));
  await open({ portsJsonPath: jsonPath });
  assert.is(rowsOf(join(folder, 'global.db')), importedRows);
  assert.ok(existsSync(`${jsonPath}.bak`));
});

const badPortsJson: Array<{ problem: string; text: string; names: string[] }> = [
  { problem: 'not JSON', text: '{"version": 1, "entries": {', names: ['not valid JSON'] },
  {
    problem: 'a base port off the block grid',
    text: JSON.stringify({
      version: 1,
      entries: { ...nativeEntries, '/home/user/beta': { basePort: 4250, registered } },
    }),
    names: ['"/home/user/beta"', 'basePort', '4250'],
  },
  {
    problem: 'a base port below 4200',
    text: JSON.stringify({ '/home/user/low': { basePort: 4100, registered } }),
    names: ['"/home/user/low"', 'basePort', '4100'],
  },
  {
    problem: 'two projects on one block',
    text: JSON.stringify({
      version: 1,
      entries: { ...nativeEntries, '/home/user/twin': { basePort: 4500, registered } },
    }),
    names: ['"/home/user/twin"', '"/home/user/beta"', '4500'],
  },
  {
    problem: 'a time that is no time',
    text: JSON.stringify({ '/home/user/alpha': { basePort: 4200, registered: 'last tuesday' } }),
    names: ['"/home/user/alpha"', 'registered', 'last tuesday'],
  },
  {
    problem: 'a missing basePort',
    text: JSON.stringify({ version: 1, entries: { '/home/user/alpha': { registered } } }),
    names: ['"/home/user/alpha"', 'basePort'],
  },
  {
    problem: 'an entry without a project path',
    text: JSON.stringify({ '': { basePort: 4200, registered } }),
    names: ['[""]', 'project path'],
  },
  { problem: 'a newer version', text: JSON.stringify({ version: 2, entries: {} }), names: ['version', '2'] },
];

for (const { problem, text, names } of badPortsJson) {
  registryTest(
    `ports.json with ${problem} gives E_INVALID_JSON, imports nothing and stays as it was`,
    async (folder, open) => {
      const jsonPath = join(folder, 'ports.json');
      writeFileSync(jsonPath, text);
      await rejectsWith(open(), 'E_INVALID_JSON', jsonPath, ...names);
      assert.is(readFileSync(jsonPath, 'utf8'), text, 'ports.json is byte-identical');
      assert.not.ok(existsSync(`${jsonPath}.bak`));
      assert.not.ok(existsSync(join(folder, 'global.db')), 'no database was published');
      // Nothing was recorded either: once the file is moved aside, a fresh open starts empty.
      rmSync(jsonPath);
      assert.equal(await (await open()).listAllocations(), []);
    },
  );
}

test.run();
