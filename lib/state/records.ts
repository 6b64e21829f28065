// The field types of the state's records, checked the same way for a caller's
// argument and for an imported state.json. Allowed values (statuses, types) are
// the schema's business: its CHECK constraints reject the rest.
import type { Shape } from '../shared/validators.js';
import type { Annotation, AnnotationParentType, ArchitectInput, Builder, BuilderStatus, BuilderType, StateInput, UtilTerminal } from './types.js';

export function architectFrom(shape: Shape, value: unknown, at: string): ArchitectInput {
  const architect = shape.object(value, at);
  return {
    port: shape.integer(architect.port, `${at}.port`),
    pid: shape.integer(architect.pid, `${at}.pid`),
    cmd: shape.string(architect.cmd, `${at}.cmd`),
    startedAt: shape.optionalString(architect.startedAt, `${at}.startedAt`),
    tmuxSession: shape.optionalString(architect.tmuxSession, `${at}.tmuxSession`),
  };
}

export function builderFrom(shape: Shape, value: unknown, at: string): Builder {
  const builder = shape.object(value, at);
  return {
    id: shape.string(builder.id, `${at}.id`),
    name: shape.string(builder.name, `${at}.name`),
    port: shape.integer(builder.port, `${at}.port`),
    pid: shape.integer(builder.pid, `${at}.pid`),
    status: (shape.optionalString(builder.status, `${at}.status`) ?? 'spawning') as BuilderStatus,
    phase: shape.optionalString(builder.phase, `${at}.phase`) ?? '',
    worktree: shape.string(builder.worktree, `${at}.worktree`),
    branch: shape.string(builder.branch, `${at}.branch`),
    tmuxSession: shape.optionalString(builder.tmuxSession, `${at}.tmuxSession`),
    type: (shape.optionalString(builder.type, `${at}.type`) ?? 'spec') as BuilderType,
    taskText: shape.optionalString(builder.taskText, `${at}.taskText`),
    protocolName: shape.optionalString(builder.protocolName, `${at}.protocolName`),
  };
}

export function utilFrom(shape: Shape, value: unknown, at: string): UtilTerminal {
  const util = shape.object(value, at);
  return {
    id: shape.string(util.id, `${at}.id`),
    name: shape.string(util.name, `${at}.name`),
    port: shape.integer(util.port, `${at}.port`),
    pid: shape.integer(util.pid, `${at}.pid`),
    tmuxSession: shape.optionalString(util.tmuxSession, `${at}.tmuxSession`),
  };
}

export function annotationFrom(shape: Shape, value: unknown, at: string): Annotation {
  const annotation = shape.object(value, at);
  const parent = shape.object(annotation.parent, `${at}.parent`);
  return {
    id: shape.string(annotation.id, `${at}.id`),
    file: shape.string(annotation.file, `${at}.file`),
    port: shape.integer(annotation.port, `${at}.port`),
    pid: shape.integer(annotation.pid, `${at}.pid`),
    parent: { type: shape.string(parent.type, `${at}.parent.type`) as AnnotationParentType, id: shape.optionalString(parent.id, `${at}.parent.id`) },
  };
}

/** A DashboardState as state.json holds it; missing lists count as empty. */
export function stateFrom(shape: Shape, value: unknown): StateInput {
  const root = shape.object(value, 'the file');
  return {
    architect: root.architect === undefined || root.architect === null ? null : architectFrom(shape, root.architect, 'architect'),
    builders: shape.list(root.builders, 'builders').map((builder, i) => builderFrom(shape, builder, `builders[${i}]`)),
    utils: shape.list(root.utils, 'utils').map((util, i) => utilFrom(shape, util, `utils[${i}]`)),
    annotations: shape.list(root.annotations, 'annotations').map((annotation, i) => annotationFrom(shape, annotation, `annotations[${i}]`)),
  };
}
