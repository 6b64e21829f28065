// The project's files the farm shows: `af annotate`, the dashboard's Open file, and the
// viewer and file tab that serve them. A file must lie inside the project, links
// followed, and never in the farm's own folder (its secret, its logs, its state), named
// or reached through a link or `..`. One check for the CLI and the dashboard, so neither
// shows what the other refuses.
import { realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { ForbiddenFileError, NotFoundError } from '../shared/errors.js';
import { STATE_DIR_NAME, stateDir } from '../shared/paths.js';

/** The farm's own folders: its state folder (AF_STATE_DIR moves it) and the project's `.agent-farm`. */
function farmFolders(root: string): string[] {
  return [...new Set([stateDir(root), join(root, STATE_DIR_NAME)])];
}

/** Whether `file` lies inside `folder`, as written. */
export const within = (folder: string, file: string) => file.startsWith(folder.endsWith(sep) ? folder : folder + sep);

const folderHolding = (file: string, folders: readonly string[]) =>
  folders.find((folder) => file === folder || within(folder, file));

function existingRealPath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/** Whether `path` exists and lies inside `root` with the links of both followed. */
export function reallyWithin(root: string, path: string): boolean {
  const [realRoot, real] = [existingRealPath(root), existingRealPath(path)];
  return realRoot !== undefined && real !== undefined && within(realRoot, real);
}

/** The farm folder holding `realFile` (a path with its links resolved), the folders' own links resolved too. */
export function farmFolderHoldingReal(root: string, realFile: string): string | undefined {
  return folderHolding(
    realFile,
    farmFolders(root).flatMap((folder) => existingRealPath(folder) ?? []),
  );
}

/** The farm's own folder holding `path`, as written or with links followed; undefined when none does. */
export function farmFolderHolding(root: string, path: string): string | undefined {
  const real = existingRealPath(path);
  return folderHolding(path, farmFolders(root)) ?? (real === undefined ? undefined : farmFolderHoldingReal(root, real));
}

/**
 * `path` (absolute), checked as the native route checks it: inside the project
 * (E_FORBIDDEN) before it must exist (E_NOT_FOUND), so a refusal never tells whether a
 * path outside exists; then inside again with links followed. A path written through a
 * link to the project (`$PWD/…` in a linked folder) is inside when it leads there. The
 * farm's own folder is refused the same way, before and after links.
 */
export function shownFile(root: string, path: string): string {
  const outside = () =>
    new ForbiddenFileError(path, `${path} lies outside the project ${root}; only its own files are shown.`);
  const farmOwn = (folder: string) =>
    new ForbiddenFileError(
      path,
      `${path} is in the farm's own folder ${folder}, which holds its secret and logs; the farm never shows them (its state is in "af status" and "af db").`,
    );
  if (!within(root, path) && !reallyWithin(root, path)) throw outside();
  const lexical = folderHolding(path, farmFolders(root));
  if (lexical) throw farmOwn(lexical);
  let real: string;
  try {
    real = realpathSync(path);
    if (!statSync(real).isFile()) throw new Error('not a file');
  } catch {
    throw new NotFoundError('E_NOT_FOUND', `${path} is not a file of the project.`);
  }
  if (!within(realpathSync(root), real)) throw outside();
  const linked = farmFolderHoldingReal(root, real);
  if (linked) throw farmOwn(linked);
  return path;
}
