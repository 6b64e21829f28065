// The farm's folders kept out of git: `af start` adds `.agent-farm/` (the secret, the
// logs, the state) and `.builders/` (the worktrees) to the repository's own
// `info/exclude`, which is local and never committed, so `git add -A` takes none of
// them. The repository is git's common folder, so a worktree or a `.git` file leads to
// the real one. The exclude file is opened without following a link: one planted in
// its place is left alone, and `af start` says so.
import { constants, lstatSync, mkdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileSystemError, UnsafePathError, withRegularFile } from '../engine/index.js';
import { git, GitError } from './git.js';

export const FARM_EXCLUDES = ['.agent-farm/', '.builders/'] as const;
const HEADER = "# agent-farm's state, logs and worktrees (added by af start)";

/** Git's common folder of the repository around `root`, or undefined when there is none (or no git). */
async function commonGitDir(root: string): Promise<string | undefined> {
  try {
    const out = await git(root, 'rev-parse', '--path-format=absolute', '--git-common-dir');
    return out.replace(/\n$/, '') || undefined;
  } catch (error) {
    if (error instanceof GitError) return undefined;
    throw error;
  }
}

/**
 * Adds each of FARM_EXCLUDES once to the repository's `info/exclude`, creating the
 * folder and the file when needed. Returns a sentence for the user when it left the
 * file alone (a link or another kind of entry in its place); nothing outside a repository.
 */
export async function excludeFarmFolders(root: string): Promise<string | undefined> {
  const gitDir = await commonGitDir(root);
  if (!gitDir) return undefined;
  const info = join(gitDir, 'info');
  const file = join(info, 'exclude');
  try {
    mkdirSync(info, { mode: 0o755 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw fileSystemError(error, info, 'create');
  }
  if (!lstatSync(info).isDirectory()) return leftAlone(info, 'it is not a folder of its own');
  try {
    withRegularFile(
      file,
      constants.O_RDWR | constants.O_CREAT | constants.O_APPEND,
      'add the farm folders to',
      (fd) => {
        const text = readFileSync(fd, 'utf8');
        const present = new Set(text.split('\n').map((line) => line.trim()));
        const missing = FARM_EXCLUDES.filter((line) => !present.has(line));
        if (missing.length === 0) return;
        const lead = text === '' || text.endsWith('\n') ? '' : '\n';
        writeSync(fd, `${lead}${present.has(HEADER) ? '' : `${HEADER}\n`}${missing.join('\n')}\n`);
      },
    );
  } catch (error) {
    if (error instanceof UnsafePathError) return leftAlone(file, `it is ${error.found}`);
    throw error;
  }
  return undefined;
}

const leftAlone = (path: string, why: string) =>
  `left ${path} alone (${why}): add ${FARM_EXCLUDES.join(' and ')} to your git excludes yourself, so that "git add -A" never takes the farm's secret, logs or worktrees.`;
