// A farm for the benchmarks run by hand (the dashboard soak, the terminal latency): a
// git project with one commit in a temporary folder, with its own home, global
// registry, tmux server and a random port block, and `af` run there.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built bin. */
export const AF = fileURLToPath(new URL('../dist/af.js', import.meta.url));

/** The farm's folder (remove it when done), its project, the environment `af` runs in, and `af` itself (stdout as text). */
export function benchFarm(label) {
  const folder = mkdtempSync(join(tmpdir(), `af-${label}-`));
  const project = join(folder, 'project');
  const home = join(folder, 'home');
  const env = {
    ...process.env,
    HOME: home,
    AF_GLOBAL_DIR: join(home, '.agent-farm'),
    TMUX_TMPDIR: folder,
    TMUX: '',
    // Below the ephemeral ports (32768 and up), which the benchmark's own connections take.
    AF_BASE_PORT: String(100 * (200 + Math.floor(Math.random() * 127))),
    GIT_AUTHOR_NAME: label,
    GIT_AUTHOR_EMAIL: `${label}@example.com`,
    GIT_COMMITTER_NAME: label,
    GIT_COMMITTER_EMAIL: `${label}@example.com`,
  };
  mkdirSync(project);
  mkdirSync(home);
  const git = (...args) => execFileSync('git', args, { cwd: project, env });
  git('init', '-q', '-b', 'main');
  writeFileSync(join(project, 'README.md'), `# ${label}\n`);
  git('add', '.');
  git('commit', '-q', '-m', 'first');
  const af = (...args) => execFileSync(process.execPath, [AF, ...args], { cwd: project, env, encoding: 'utf8' });
  return { folder, project, env, af };
}
