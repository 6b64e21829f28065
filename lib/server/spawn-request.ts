// The body of `POST /api/tabs/builder`: the native `{projectId}` (a spec), or any mode
// of `af spawn` as `{mode, project | task, files | protocol}`, checked before anything
// is looked up or made.
import type { SpawnMode } from '../farm/builders.js';
import { fileList } from '../farm/instructions.js';
import { RequestError } from './request-error.js';

const MODES = ['spec', 'task', 'protocol', 'shell', 'worktree'] as const;
/** A spec or protocol name: plain words, as the CLI takes them. */
const NAME = /^[A-Za-z0-9][\w.-]{0,127}$/;

function name(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || !NAME.test(value))
    throw new RequestError(
      'E_BAD_REQUEST',
      `"${field}" must be a name of letters, digits, ".", "_" and "-"; got ${JSON.stringify(value ?? null).slice(0, 80)}.`,
    );
  return value;
}

function files(value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' && !(Array.isArray(value) && value.every((file) => typeof file === 'string')))
    throw new RequestError(
      'E_BAD_REQUEST',
      '"files" must be a list of paths, or one string of paths separated by commas.',
    );
  const paths = fileList(value);
  return paths.length > 0 ? paths : undefined;
}

export function spawnModeIn(body: Record<string, unknown>): SpawnMode {
  if (body.mode === undefined && body.projectId !== undefined)
    return { type: 'spec', project: name(body, 'projectId') };
  const mode = body.mode;
  if (typeof mode !== 'string' || !(MODES as readonly string[]).includes(mode))
    throw new RequestError('E_BAD_REQUEST', `the body needs "projectId", or "mode": one of ${MODES.join(', ')}.`);
  switch (mode as (typeof MODES)[number]) {
    case 'spec':
      return { type: 'spec', project: name(body, 'project') };
    case 'task': {
      const { task } = body;
      if (typeof task !== 'string' || task.trim() === '')
        throw new RequestError('E_BAD_REQUEST', '"task" must be the task, in words.');
      const listed = files(body.files);
      return { type: 'task', task, ...(listed ? { files: listed } : {}) };
    }
    case 'protocol':
      return { type: 'protocol', protocol: name(body, 'protocol') };
    case 'shell':
      return { type: 'shell' };
    case 'worktree':
      return { type: 'worktree' };
  }
}
