// The commands the farm launches: an option on the command line, else
// `codev/config.json` (`shell.architect`, `shell.builder`, `shell.shell`), else a
// default. A command must be installed before anything is reserved or launched.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { messageOf, InvalidInputError } from '../engine/index.js';
import { findExecutable } from './find-executable.js';

export type CommandRole = 'architect' | 'builder' | 'shell';

/** The command-line overrides, as cac names them. */
export interface CommandOverrides {
  architectCmd?: string;
  builderCmd?: string;
  shellCmd?: string;
}

const OVERRIDE: Record<CommandRole, { key: keyof CommandOverrides; flag: string }> = {
  architect: { key: 'architectCmd', flag: '--architect-cmd' },
  builder: { key: 'builderCmd', flag: '--builder-cmd' },
  shell: { key: 'shellCmd', flag: '--shell-cmd' },
};

function defaultCommand(role: CommandRole): string {
  return role === 'shell' ? process.env.SHELL || 'bash' : 'claude';
}

export function configPath(root: string): string {
  return join(root, 'codev', 'config.json');
}

/** `shell.<role>` of the project's config: a string, or a list of words. */
function configuredCommand(root: string, role: CommandRole): string | undefined {
  const path = configPath(root);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InvalidInputError(`cannot read ${path}: ${messageOf(error)}`);
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(
      `${path} is not valid JSON (${messageOf(error)}); fix it, or override the command with ${OVERRIDE[role].flag}.`,
    );
  }
  const value = (config as { shell?: Record<string, unknown> } | null)?.shell?.[role];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return expandVariables(value);
  if (Array.isArray(value) && value.every((word) => typeof word === 'string'))
    return value.map((word) => shellQuote(expandVariables(word))).join(' ');
  throw new InvalidInputError(
    `shell.${role} in ${path} should be a command (a string or a list of strings), got ${JSON.stringify(value)}.`,
  );
}

/** `$VAR` and `${VAR}` from the environment, as the native version expands them; unset ones become empty. */
function expandVariables(text: string): string {
  return text.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (_, braced: string | undefined, bare: string | undefined) => process.env[(braced ?? bare)!] ?? '',
  );
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The program a shell command runs: its first word after any `NAME=value` assignments. */
export function programOf(command: string): string | undefined {
  // A shell word runs on through quotes: `B="x y"` is one word, an assignment.
  const words = command.match(/(?:'[^']*'|"(?:[^"\\]|\\.)*"|[^\s'"])+/g) ?? [];
  const program = words.find((word) => !/^\w+=/.test(word));
  return program?.replace(
    /'([^']*)'|"((?:[^"\\]|\\.)*)"/g,
    (_, single: string | undefined, double: string | undefined) => single ?? double!.replace(/\\(.)/g, '$1'),
  );
}

/** The command for `role`, checked to be installed: the error names the program and the option that overrides it. */
export function farmCommand(root: string, role: CommandRole, overrides: CommandOverrides): string {
  const { key, flag } = OVERRIDE[role];
  const command = (overrides[key] ?? configuredCommand(root, role) ?? defaultCommand(role)).trim();
  const program = programOf(command);
  if (!program)
    throw new InvalidInputError(
      `the ${role} command is empty; give one with ${flag} "<command>" or shell.${role} in ${configPath(root)}.`,
    );
  if (!findExecutable(program, root)) {
    throw new InvalidInputError(
      `the ${role} command "${program}" is not installed (not found ${program.includes('/') ? 'or not executable' : 'on PATH'}). Install it, or choose another with ${flag} "<command>" or shell.${role} in ${configPath(root)}.`,
    );
  }
  return command;
}
