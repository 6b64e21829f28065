// How the registry names a project: `remote:` keys (projects on other machines) as
// given, never looked up on disk; every other path absolute and resolved.
import { resolve } from 'node:path';
import { InvalidInputError } from '../engine/index.js';

const REMOTE_PREFIX = 'remote:';

/** Whether `key` names a project on another machine. */
export function isRemoteKey(key: string): boolean {
  return key.startsWith(REMOTE_PREFIX);
}

/** The registry's key for `projectPath`. */
export function projectKey(projectPath: string): string {
  return isRemoteKey(projectPath) ? projectPath : resolve(projectPath);
}

/** The key for a caller's project path, which must be a non-empty string. */
export function registryKey(projectRoot: string): string {
  if (typeof projectRoot !== 'string' || projectRoot === '')
    throw new InvalidInputError(`a project path is needed, got ${JSON.stringify(projectRoot)}.`);
  return projectKey(projectRoot);
}
