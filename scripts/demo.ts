// The quick-start demo: the `af` command on a demo project made in a temporary
// folder (a git repository with one commit, a spec and roles, its own port registry).
// On a terminal the farm stays up after the tour, to be walked in the dashboard, and
// Ctrl-C stops it; without one (CI) the tour ends with af stop.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const af = join(dirname(fileURLToPath(import.meta.url)), 'af.js');
const folder = mkdtempSync(join(tmpdir(), 'af-demo-'));
const project = join(folder, 'demo-project');
// The farm's programs stand in for the real agents: each says what it was told (its
// prompt is its last argument), then echoes every line typed into its terminal.
const agentScript = join(folder, 'demo-agent.sh');
writeFileSync(
  agentScript,
  'who=$1; shift\necho "$who ready. Instructions: ${1:-none}"\nwhile IFS= read -r line; do echo "$who heard: $line"; done\n',
);
const agent = (who: string) => `sh ${agentScript} ${who}`;
const env = { ...process.env, AF_GLOBAL_DIR: join(folder, 'home', '.agent-farm') };

mkdirSync(join(project, 'codev'), { recursive: true });
writeFileSync(
  join(project, 'codev', 'config.json'),
  JSON.stringify({ shell: { architect: agent('architect'), builder: agent('builder'), shell: 'sh -i' } }, null, 2),
);
writeFileSync(join(project, 'README.md'), '# demo project\n');
for (const [path, text] of [
  ['codev/specs/0001-readme.md', '# 0001: a README that says what the project is\n'],
  ['codev/roles/architect.md', '# The architect\nPlans the work and hands it to builders.\n'],
  ['codev/roles/builder.md', '# A builder\nImplements one spec or task in its own worktree.\n'],
]) {
  mkdirSync(dirname(join(project, path)), { recursive: true });
  writeFileSync(join(project, path), text);
}
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
  console.log(
    `${answer.status}: ${overview.tabs.map((tab) => `${tab.id} (${tab.alive ? 'alive' : 'dead'})`).join(', ')}`,
  );
}

/** On a terminal: the farm stays up until Ctrl-C (or SIGTERM, SIGHUP). */
async function keepRunning(): Promise<void> {
  run('dashboard');
  console.log(
    '\nThe farm is running: open the URL above to watch and type into every terminal, and try "af send" from',
    `\n${project}. Press Ctrl-C to stop the farm and remove the demo project.`,
  );
  await new Promise<void>((resolve) => {
    // Signal handlers alone do not keep Node running.
    const wait = setInterval(() => undefined, 60_000);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
      process.once(signal, () => {
        clearInterval(wait);
        resolve();
      });
  });
}

const onTerminal = process.stdin.isTTY && process.stdout.isTTY && !process.env.CI;
console.log(`demo project: ${project}`);
try {
  run('start', '--no-browser');
  run('spawn', '--project', '0001');
  run('spawn', '--task', 'Add a usage section to the README');
  run('send', '0001', 'Keep it short: one paragraph.');
  run('spawn', '--shell');
  run('util', '--name', 'logs');
  run('annotate', 'README.md');
  run('status');
  await showDashboard();
  run('db', 'query', 'SELECT id, type, port, status FROM builders');
  run('db', 'stats');
  run('ports', 'list');
  if (onTerminal) await keepRunning();
} finally {
  run('stop');
  rmSync(folder, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
