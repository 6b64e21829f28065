// The field types of the state's records, checked the same way for a caller's
// argument and for an imported state.json. Allowed values (statuses, types) are
// the schema's business: its CHECK constraints reject the rest.
import type { Validator } from '../shared/validators.js';
import type {
  Annotation,
  AnnotationParentType,
  ArchitectInput,
  Builder,
  BuilderStatus,
  BuilderType,
  StateInput,
  UtilTerminal,
} from './types.js';

export function validArchitect(check: Validator, value: unknown, at: string): ArchitectInput {
  const architect = check.object(value, at);
  return {
    port: check.integer(architect.port, `${at}.port`),
    pid: check.integer(architect.pid, `${at}.pid`),
    cmd: check.string(architect.cmd, `${at}.cmd`),
    startedAt: check.optionalString(architect.startedAt, `${at}.startedAt`),
    tmuxSession: check.optionalString(architect.tmuxSession, `${at}.tmuxSession`),
  };
}

export function validBuilder(check: Validator, value: unknown, at: string): Builder {
  const builder = check.object(value, at);
  return {
    id: check.string(builder.id, `${at}.id`),
    name: check.string(builder.name, `${at}.name`),
    port: check.integer(builder.port, `${at}.port`),
    pid: check.integer(builder.pid, `${at}.pid`),
    status: (check.optionalString(builder.status, `${at}.status`) ?? 'spawning') as BuilderStatus,
    phase: check.optionalString(builder.phase, `${at}.phase`) ?? '',
    worktree: check.string(builder.worktree, `${at}.worktree`),
    branch: check.string(builder.branch, `${at}.branch`),
    tmuxSession: check.optionalString(builder.tmuxSession, `${at}.tmuxSession`),
    type: (check.optionalString(builder.type, `${at}.type`) ?? 'spec') as BuilderType,
    taskText: check.optionalString(builder.taskText, `${at}.taskText`),
    protocolName: check.optionalString(builder.protocolName, `${at}.protocolName`),
  };
}

export function validUtil(check: Validator, value: unknown, at: string): UtilTerminal {
  const util = check.object(value, at);
  return {
    id: check.string(util.id, `${at}.id`),
    name: check.string(util.name, `${at}.name`),
    port: check.integer(util.port, `${at}.port`),
    pid: check.integer(util.pid, `${at}.pid`),
    tmuxSession: check.optionalString(util.tmuxSession, `${at}.tmuxSession`),
  };
}

export function validAnnotation(check: Validator, value: unknown, at: string): Annotation {
  const annotation = check.object(value, at);
  const parent = check.object(annotation.parent, `${at}.parent`);
  return {
    id: check.string(annotation.id, `${at}.id`),
    file: check.string(annotation.file, `${at}.file`),
    port: check.integer(annotation.port, `${at}.port`),
    pid: check.integer(annotation.pid, `${at}.pid`),
    parent: {
      type: check.string(parent.type, `${at}.parent.type`) as AnnotationParentType,
      id: check.optionalString(parent.id, `${at}.parent.id`),
    },
  };
}

/** A DashboardState as state.json holds it; missing lists count as empty. */
export function validState(check: Validator, value: unknown): StateInput {
  const root = check.object(value, 'the file');
  return {
    architect:
      root.architect === undefined || root.architect === null
        ? null
        : validArchitect(check, root.architect, 'architect'),
    builders: check.list(root.builders, 'builders').map((builder, i) => validBuilder(check, builder, `builders[${i}]`)),
    utils: check.list(root.utils, 'utils').map((util, i) => validUtil(check, util, `utils[${i}]`)),
    annotations: check
      .list(root.annotations, 'annotations')
      .map((annotation, i) => validAnnotation(check, annotation, `annotations[${i}]`)),
  };
}
