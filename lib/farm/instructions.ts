// What each agent is told when it starts, as the native version words it: the
// builder's spec (and plan), task or protocol, and the architect's role. Everything
// a prompt names is found before anything is made: a missing spec or protocol, or a
// spec name that fits several files, is refused here.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { InvalidInputError } from '../engine/index.js';
import { NotFoundError } from '../shared/errors.js';
import { farmFolderHolding, reallyWithin, within } from './project-file.js';

/** A spec, plan or protocol name: plain words, never a path. */
const PLAIN_NAME = /^[A-Za-z0-9][\w.-]*$/;
/** Ids become branch names, folder names, tmux session names and the dashboard's tab ids: plain words, no dot. */
export const BUILDER_ID = /^[A-Za-z0-9][\w-]*$/;

export interface BuilderInstructions {
  /** The prompt, the agent command's last argument; none for shell and worktree builders. */
  prompt?: string;
  /** The spec mode's spec file name without `.md` (`0042-thing`), and the builder id it gives (`0042`). */
  spec?: { name: string; id: string };
  /** The project's files the prompt tells the builder to read (relative to the root): its worktree needs them. */
  reads: string[];
}

export type InstructedMode =
  | { type: 'spec'; project: string }
  | { type: 'task'; task: string; files?: readonly string[] }
  | { type: 'protocol'; protocol: string }
  | { type: 'shell' }
  | { type: 'worktree' };

const isFile = (path: string) => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};

function markdownFiles(folder: string): string[] {
  try {
    return readdirSync(folder)
      .filter((file) => file.endsWith('.md'))
      .map((file) => file.slice(0, -'.md'.length))
      .sort();
  } catch {
    return [];
  }
}

/** `0042-thing` → `0042`; a name with no leading number is its own id. */
const numberOf = (name: string) => /^(\d+)-/.exec(name)?.[1];

/**
 * The spec `codev/specs/<n>-*.md` that `given` names: by number (`0042`), by whole
 * name (`0042-thing`) or by the name after the number (`thing`).
 */
export function findSpec(root: string, given: string): { name: string; id: string } {
  const folder = join(root, 'codev', 'specs');
  if (!PLAIN_NAME.test(given))
    throw new InvalidInputError(
      `"${given}" is not a spec name: give its number or name as in codev/specs/<number>-<name>.md (e.g. 0042).`,
    );
  const specs = markdownFiles(folder);
  const exact = specs.filter((name) => name === given);
  const matches =
    exact.length > 0
      ? exact
      : specs.filter((name) => numberOf(name) === given || name.slice((numberOf(name)?.length ?? -1) + 1) === given);
  if (matches.length === 0)
    throw new NotFoundError(
      'E_SPEC_NOT_FOUND',
      `no spec "${given}": looked for codev/specs/${given}.md, codev/specs/${given}-*.md and codev/specs/*-${given}.md in ${root}${specs.length > 0 ? ` (there are ${specs.slice(0, 10).join(', ')}${specs.length > 10 ? ', …' : ''})` : ' (there is no spec yet)'}. Nothing was made.`,
    );
  if (matches.length > 1)
    throw new InvalidInputError(
      `"${given}" names ${matches.length} specs (${matches.join(', ')}): give the whole name. Nothing was made.`,
    );
  const name = matches[0]!;
  const id = numberOf(name) ?? name;
  if (!BUILDER_ID.test(id))
    throw new InvalidInputError(
      `the spec ${name} gives the builder id "${id}", which is not usable (letters, digits, "_" and "-"): name specs codev/specs/<number>-<name>.md. Nothing was made.`,
    );
  return { name, id };
}

/** The plan of a spec: `codev/plans/<spec name>.md`, else the one `codev/plans/<number>-*.md`. */
function findPlan(root: string, spec: { name: string; id: string }): string | undefined {
  const plans = markdownFiles(join(root, 'codev', 'plans'));
  if (plans.includes(spec.name)) return spec.name;
  const numbered = plans.filter((name) => numberOf(name) === spec.id);
  return numbered.length === 1 ? numbered[0] : undefined;
}

/** The protocol's folder, checked to hold `protocol.md`. */
function checkProtocol(root: string, protocol: string): void {
  const folder = join(root, 'codev', 'protocols');
  if (!PLAIN_NAME.test(protocol) || protocol.includes('..'))
    throw new InvalidInputError(`"${protocol}" is not a protocol name: use the name of a folder of codev/protocols/.`);
  if (isFile(join(folder, protocol, 'protocol.md'))) return;
  let available: string[] = [];
  try {
    available = readdirSync(folder, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && isFile(join(folder, entry.name, 'protocol.md')))
      .map((entry) => entry.name)
      .sort();
  } catch {
    // No protocols folder: none available.
  }
  throw new NotFoundError(
    'E_PROTOCOL_NOT_FOUND',
    `no protocol "${protocol}": codev/protocols/${protocol}/protocol.md does not exist in ${root} (${available.length > 0 ? `available: ${available.join(', ')}` : 'the project has no protocol'}). Nothing was made.`,
  );
}

/**
 * The files a task lists, named from the project's root: each must lie inside the
 * project (as written, then with links followed), exist, and not be the farm's own,
 * so the builder is never pointed at a file it cannot find, or at one outside its checkout.
 */
function checkTaskFiles(root: string, files: readonly string[]): void {
  for (const file of files) {
    const path = resolve(root, file);
    if (!within(root, path))
      throw new InvalidInputError(
        `the task's file ${JSON.stringify(file)} is not inside the project ${root}: list the project's own files, named from its root. Nothing was made.`,
      );
    if (!existsSync(path))
      throw new InvalidInputError(
        `the task's file ${JSON.stringify(file)} does not exist in the project ${root} (files are named from its root). Nothing was made.`,
      );
    if (!reallyWithin(root, path))
      throw new InvalidInputError(
        `the task's file ${JSON.stringify(file)} leads outside the project ${root} (through a link): list the project's own files. Nothing was made.`,
      );
    const own = farmFolderHolding(root, path);
    if (own)
      throw new InvalidInputError(
        `the task's file ${JSON.stringify(file)} is in the project ${root}'s farm folder ${own} (its secret, its logs), which no builder is given. Nothing was made.`,
      );
  }
}

/** The role file the prompt names (relative to the root), when it exists and roles are wanted. */
function roleOf(root: string, candidates: readonly string[], withRole: boolean): string | undefined {
  return withRole ? candidates.find((path) => isFile(join(root, path))) : undefined;
}

const builderRole = (role: string | undefined) =>
  role ? `You are a Builder. Read ${role} for your full role definition. ` : '';

/** The builder's prompt in `mode`, as the native version words it; throws before anything is made. */
export function builderInstructions(root: string, mode: InstructedMode, withRole: boolean): BuilderInstructions {
  switch (mode.type) {
    case 'spec': {
      const spec = findSpec(root, mode.project);
      const plan = findPlan(root, spec);
      const role = roleOf(root, ['codev/roles/builder.md'], withRole);
      const specFile = `codev/specs/${spec.name}.md`;
      const planFile = plan && `codev/plans/${plan}.md`;
      const prompt =
        `${builderRole(role)}Implement the feature specified in ${specFile}.` +
        (planFile ? ` Follow the implementation plan in ${planFile}.` : '') +
        ` Start by reading the spec${plan ? ' and plan' : ''}, then begin implementation.`;
      return { prompt, spec, reads: [specFile, ...(planFile ? [planFile] : []), ...(role ? [role] : [])] };
    }
    case 'task': {
      const files = mode.files ?? [];
      checkTaskFiles(root, files);
      const listed =
        files.length > 0 ? `\n\nRelevant files to consider:\n${files.map((f) => `- ${f}`).join('\n')}` : '';
      const role = roleOf(root, ['codev/roles/builder.md'], withRole);
      // Named as git names them, so that the check for files the commit lacks finds them.
      const named = files.map((file) => relative(root, resolve(root, file)));
      return { prompt: `${builderRole(role)}${mode.task}${listed}`, reads: [...named, ...(role ? [role] : [])] };
    }
    case 'protocol': {
      checkProtocol(root, mode.protocol);
      const role = roleOf(root, [`codev/protocols/${mode.protocol}/role.md`, 'codev/roles/builder.md'], withRole);
      const protocolFile = `codev/protocols/${mode.protocol}/protocol.md`;
      return {
        prompt: `${builderRole(role)}You are running the ${mode.protocol} protocol. Start by reading ${protocolFile} and follow its instructions.`,
        reads: [protocolFile, ...(role ? [role] : [])],
      };
    }
    case 'shell':
    case 'worktree':
      return { reads: [] };
  }
}

/** The architect's prompt: its role, when the project has one and roles are wanted. */
export function architectInstructions(root: string, withRole: boolean): string | undefined {
  const role = roleOf(root, ['codev/roles/architect.md'], withRole);
  return role
    ? `You are the architect. Your role and responsibilities are described in ${role}. Please read that file to understand your role.`
    : undefined;
}

/** `--files a, b`: the paths of a task's list, as typed between the commas. */
export function fileList(paths: readonly string[] | string): string[] {
  return (typeof paths === 'string' ? paths.split(',') : paths).map((path) => path.trim()).filter(Boolean);
}

/** The line a resumed builder's prompt ends with. */
export const RESUME_NOTE =
  'You are resuming this work after your previous session ended: your worktree and branch are as you left them. Check their state (git status, git log) before you go on.';
