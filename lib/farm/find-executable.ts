// Finding a program the way a shell would, before anything is launched with it.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The file a shell would run for `program`: a path (with a slash) is taken relative
 * to `cwd`, a bare name is looked up on PATH. Undefined when there is none.
 */
export function findExecutable(
  program: string,
  cwd: string = process.cwd(),
  searchPath: string = process.env.PATH ?? '',
): string | undefined {
  if (program.includes('/')) {
    const path = isAbsolute(program) ? program : resolve(cwd, program);
    return isExecutableFile(path) ? path : undefined;
  }
  return searchPath
    .split(delimiter)
    .filter(Boolean)
    .map((folder) => join(folder, program))
    .find(isExecutableFile);
}
