// A builder's own checkout: the branch `builder/<id>` in a git worktree under
// `<root>/.builders/<id>`, created from the project's current commit.
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../engine/index.js';
import { BUILDERS_DIR_NAME } from '../shared/paths.js';
import { git, gitSucceeds } from './git.js';

export interface BuilderCheckout {
  worktree: string;
  branch: string;
}

export interface CheckoutParts {
  branch: boolean;
  worktree: boolean;
}

/** A checkout and what `prepareCheckout` made of it, so a failed spawn removes exactly that. */
export interface PreparedCheckout extends BuilderCheckout {
  created: CheckoutParts;
}

export function checkoutOf(root: string, id: string): BuilderCheckout {
  return { worktree: join(root, BUILDERS_DIR_NAME, id), branch: `builder/${id}` };
}

function branchExists(root: string, branch: string): Promise<boolean> {
  return gitSucceeds(root, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`);
}

function samePath(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}

async function isRegisteredWorktree(root: string, path: string): Promise<boolean> {
  const listing = await git(root, 'worktree', 'list', '--porcelain');
  return listing
    .split('\n')
    .some((line) => line.startsWith('worktree ') && samePath(line.slice('worktree '.length), path));
}

/** Whether an earlier builder with this id left its branch or worktree behind. */
export async function hasLeftovers(root: string, id: string): Promise<boolean> {
  const { worktree, branch } = checkoutOf(root, id);
  return existsSync(worktree) || branchExists(root, branch);
}

/**
 * The builder's branch and worktree, created from the current commit; an existing
 * branch is checked out again, and an existing worktree of it is reused as it is.
 */
export async function prepareCheckout(root: string, id: string): Promise<PreparedCheckout> {
  const checkout = checkoutOf(root, id);
  const head = await currentCommit(root);
  if (existsSync(checkout.worktree)) {
    if (!(await isRegisteredWorktree(root, checkout.worktree))) {
      throw new InvalidInputError(
        `${checkout.worktree} exists but is not a git worktree of this project; move it away and spawn again.`,
      );
    }
    return { ...checkout, created: { branch: false, worktree: false } };
  }
  // Two steps, each of which git either does whole or not at all, so a retry after a lock failure is safe.
  const createdBranch = !(await branchExists(root, checkout.branch));
  if (createdBranch) await git(root, 'branch', checkout.branch, head);
  try {
    await git(root, 'worktree', 'add', checkout.worktree, checkout.branch);
  } catch (error) {
    // A git killed half-way (Ctrl-C reaches it too) may leave a partial worktree that holds the branch.
    await removeCheckout(root, checkout, { worktree: true, branch: createdBranch });
    throw error;
  }
  return { ...checkout, created: { branch: createdBranch, worktree: true } };
}

/** The project's current commit, which a builder's branch starts from; refused when there is none. */
export async function currentCommit(root: string): Promise<string> {
  try {
    return (await git(root, 'rev-parse', '--verify', 'HEAD^{commit}')).trim();
  } catch {
    throw new InvalidInputError(
      `${root} is not a git repository with a commit; builders work on a branch of the project's current commit, so run "git init" and commit once, or use "af spawn --shell".`,
    );
  }
}

/** A file a new worktree will not have as it is now: not in the current commit, or changed since. */
export interface UncommittedFile {
  path: string;
  state: 'not committed' | 'changed';
}

/**
 * Which of `paths` (files or folders, relative to root) the current commit lacks or holds
 * in another version: two git calls whatever their number. A folder counts by its files.
 */
export async function uncommittedFiles(root: string, paths: readonly string[]): Promise<UncommittedFile[]> {
  if (paths.length === 0) return [];
  // -z: names as they are, never quoted (git quotes a name with other than ASCII letters).
  const names = (text: string) => text.split('\0').filter(Boolean);
  // Both list the files at or under the paths, relative to root as the paths are.
  const committed = names(await git(root, 'ls-tree', '-r', '-z', '--name-only', 'HEAD', '--', ...paths));
  const changed = names(await git(root, 'diff', '-z', '--name-only', '--relative', 'HEAD', '--', ...paths));
  const covers = (files: readonly string[], path: string) =>
    files.some((file) => file === path || file.startsWith(`${path}/`));
  return paths.flatMap((path): UncommittedFile[] => {
    if (!covers(committed, path)) return [{ path, state: 'not committed' }];
    return covers(changed, path) ? [{ path, state: 'changed' }] : [];
  });
}

/** Removes the given parts of the checkout, whatever they hold: check `unmergedWork` first. */
export async function removeCheckout(root: string, checkout: BuilderCheckout, parts: CheckoutParts): Promise<void> {
  if (parts.worktree) {
    if (existsSync(checkout.worktree)) await git(root, 'worktree', 'remove', '--force', checkout.worktree);
    // A worktree folder deleted by hand stays registered, and git keeps its branch checked out, until pruned.
    else await git(root, 'worktree', 'prune');
  }
  if (parts.branch && (await branchExists(root, checkout.branch))) await git(root, 'branch', '-D', checkout.branch);
}

/** Work that removing the checkout would lose: uncommitted changes, and commits not merged into the project's current branch. */
export async function unmergedWork(root: string, checkout: BuilderCheckout): Promise<string[]> {
  const found: string[] = [];
  if (existsSync(checkout.worktree)) {
    const changes = (await git(checkout.worktree, 'status', '--porcelain')).split('\n').filter(Boolean);
    if (changes.length > 0)
      found.push(`${changes.length} uncommitted change${changes.length === 1 ? '' : 's'} in ${checkout.worktree}`);
  }
  if (await branchExists(root, checkout.branch)) {
    const ahead = Number((await git(root, 'rev-list', '--count', `HEAD..refs/heads/${checkout.branch}`)).trim());
    if (ahead > 0)
      found.push(
        `${ahead} commit${ahead === 1 ? '' : 's'} on ${checkout.branch} not merged into ${await currentBranchName(root)}`,
      );
  }
  return found;
}

async function currentBranchName(root: string): Promise<string> {
  const name = (await git(root, 'rev-parse', '--abbrev-ref', 'HEAD')).trim();
  return name === 'HEAD' ? 'the current commit' : name;
}
