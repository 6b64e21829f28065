// The application types, camelCase, as the native version's API returns them.
// Nullable columns come back as absent fields, never null. The lists of statuses
// and types are the one source of both these types and the CHECK constraints of
// the schema (schema.ts).

export const BUILDER_STATUSES = ['spawning', 'implementing', 'blocked', 'pr-ready', 'complete'] as const;
export type BuilderStatus = (typeof BUILDER_STATUSES)[number];

export const BUILDER_TYPES = ['spec', 'task', 'protocol', 'shell', 'worktree'] as const;
export type BuilderType = (typeof BUILDER_TYPES)[number];

export const ANNOTATION_PARENT_TYPES = ['architect', 'builder', 'util'] as const;
export type AnnotationParentType = (typeof ANNOTATION_PARENT_TYPES)[number];

export interface Builder {
  id: string;
  name: string;
  port: number;
  pid: number;
  status: BuilderStatus;
  phase: string;
  worktree: string;
  branch: string;
  tmuxSession?: string;
  type: BuilderType;
  taskText?: string;
  protocolName?: string;
}

export interface ArchitectState {
  port: number;
  pid: number;
  cmd: string;
  startedAt: string;
  tmuxSession?: string;
}

/** An architect to record; `startedAt` defaults to now. */
export type ArchitectInput = Omit<ArchitectState, 'startedAt'> & { startedAt?: string };

/** The state as imported or recorded, where the architect's start time may still be open. */
export interface StateInput extends Omit<DashboardState, 'architect'> {
  architect: ArchitectInput | null;
}

export interface UtilTerminal {
  id: string;
  name: string;
  port: number;
  pid: number;
  tmuxSession?: string;
}

export interface Annotation {
  id: string;
  file: string;
  port: number;
  pid: number;
  parent: { type: AnnotationParentType; id?: string };
}

export interface DashboardState {
  architect: ArchitectState | null;
  builders: Builder[];
  utils: UtilTerminal[];
  annotations: Annotation[];
}
