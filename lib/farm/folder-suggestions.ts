// Folder suggestions for a path being typed (the tower's `GET /api/browse?path=`, as
// the native one): the folders of the typed folder, or of its parent whose names start
// with the typed part. Folders only, no hidden ones, projects first, at most 20: a
// listing of names, never of files or their content.
import { type Dirent, existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { InvalidInputError } from '../engine/index.js';
import { globalDir, STATE_DIR_NAME } from '../shared/paths.js';
import type { FolderSuggestion } from './tower-types.js';

export const SUGGESTION_LIMIT = 20;
const PATH_LIMIT = 4096;

/** `~` and `~/…` as the user's home; anything else must be absolute. */
export function expandedPath(text: string): string {
  if (text.length > PATH_LIMIT || text.includes('\0'))
    throw new InvalidInputError(`a path is at most ${PATH_LIMIT} characters, without NUL.`);
  const path = text === '~' ? homedir() : text.startsWith('~/') ? join(homedir(), text.slice(2)) : text;
  if (!isAbsolute(path))
    throw new InvalidInputError(`give an absolute path (or one that starts with ~/), got ${JSON.stringify(text)}.`);
  return path;
}

/** As the project root is found (shared/paths.ts): codev/, or a state folder that is not the user's registry folder. */
const isProject = (folder: string) =>
  existsSync(join(folder, 'codev')) ||
  (existsSync(join(folder, STATE_DIR_NAME)) && join(folder, STATE_DIR_NAME) !== globalDir());

export function folderSuggestions(typed: string): FolderSuggestion[] {
  const path = expandedPath(typed === '' ? '~/' : typed);
  const [folder, prefix] = path.endsWith('/') ? [path, ''] : [dirname(path), basename(path).toLowerCase()];
  let entries: Dirent[];
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return []; // not a folder, gone, or not readable: nothing to suggest
  }
  return entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .filter((entry) => entry.name.toLowerCase().startsWith(prefix))
    .map((entry) => ({ path: join(folder, entry.name), isProject: isProject(join(folder, entry.name)) }))
    .sort((a, b) => Number(b.isProject) - Number(a.isProject) || a.path.localeCompare(b.path))
    .slice(0, SUGGESTION_LIMIT);
}
