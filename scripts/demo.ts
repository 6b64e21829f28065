// The quick-start demo: the `af` command on a demo project made in a temporary
// folder (a git repository with one commit, its own port registry), from start to stop.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const af = join(dirname(fileURLToPath(import.meta.url)), 'af.js');
const folder = mkdtempSync(join(tmpdir(), 'af-demo-'));
const project = join(folder, 'demo-project');
// The farm's programs stand in for the real agents: they say hello and wait.
const stayUp = (who: string) => `sh -c 'echo ${who} ready; sleep 600'`;
const env = { ...process.env, AF_GLOBAL_DIR: join(folder, 'home', '.agent-farm') };

mkdirSync(join(project, 'codev'), { recursive: true });
writeFileSync(
  join(project, 'codev', 'config.json'),
  JSON.stringify(
    { shell: { architect: stayUp('architect'), builder: stayUp('builder'), shell: stayUp('shell') } },
    null,
    2,
  ),
);
writeFileSync(join(project, 'README.md'), '# demo project\n');
for (const args of [
  ['init', '-q'],
  ['add', '.'],
  ['-c', 'user.name=demo', '-c', 'user.email=demo@example.invalid', 'commit', '-qm', 'start'],
]) {
  spawnSync('git', args, { cwd: project, stdio: 'inherit' });
}

let failed = false;
function run(...args: string[]): void {
  console.log(`\n$ af ${args.map((arg) => (/\s/.test(arg) ? JSON.stringify(arg) : arg)).join(' ')}`);
  const result = spawnSync(process.execPath, [af, ...args], { cwd: project, env, stdio: 'inherit' });
  if (result.status !== 0) failed = true;
}

/** What the dashboard's API answers, as a script reaches it: the secret as a bearer token. */
async function showDashboard(): Promise<void> {
  const listed = spawnSync(process.execPath, [af, 'dashboard', '--no-browser', '--json'], { cwd: project, env });
  const { url } = JSON.parse(String(listed.stdout));
  const token = new URL(url).searchParams.get('token');
  const origin = new URL(url).origin;
  console.log(`\n$ curl -H "Authorization: Bearer <the farm's secret>" ${origin}/api/overview`);
  const answer = await fetch(`${origin}/api/overview`, { headers: { Authorization: `Bearer ${token}` } });
  const overview = (await answer.json()) as { tabs: Array<{ id: string; alive: boolean }> };
  console.log(`${answer.status}: ${overview.tabs.map((tab) => `${tab.id} (${tab.alive ? 'alive' : 'dead'})`).join(', ')}`);
}

console.log(`demo project: ${project}`);
try {
  run('start', '--no-browser');
  run('spawn', '--task', 'Write the README');
  run('spawn', '--shell');
  run('util', '--name', 'logs');
  run('annotate', 'README.md');
  run('status');
  await showDashboard();
  run('db', 'query', 'SELECT id, type, port, status FROM builders');
  run('db', 'stats');
  run('ports', 'list');
} finally {
  run('stop');
  rmSync(folder, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
