// The web terminals' wire protocol and the shapes of what it carries; the endpoint
// that speaks it is terminal-socket.ts.
//
// Wire protocol (text frames are JSON, binary frames are terminal bytes):
//   client → server  {"type":"resize","cols":C,"rows":R} first (the first screen is painted at that size), and on
//                    every resize; binary: input bytes (refused in log mode, dropped while nothing takes them).
//   server → client  {"type":"hello","mode":"tmux"|"log"|"starting","readOnly":bool,"reason"?:string} at once, and
//                    again each time the tab's process changes (the page clears its screen); binary: output (a tmux
//                    attach starts with a reset and the whole current screen); {"type":"exit","reason"} when the
//                    process ended, its last screen left as it was (the socket stays open: a new process brings a
//                    new hello); the tab gone from the farm: an exit, then a close (1000). Any other close (the
//                    server stopping, 1001; an error, 1011): the page connects again.

/** The process a terminal shows, as the state records it. */
export interface PaneProcess {
  pid: number;
  alive: boolean;
  tmuxSession?: string;
  logFile?: string;
}

export interface TerminalTarget {
  tab: string;
  /** Who it is, in the page's sentences: "builder 0042". */
  label: string;
  /** Absent while the process is being started (recorded, not launched yet). */
  process?: PaneProcess;
}

/** A tab's terminal as the state has it now, and as it changes. */
export interface TerminalFollow {
  current: TerminalTarget;
  /** Calls `listener` with the tab's target whenever the state may have changed (undefined: the tab is gone). */
  watch(listener: (target: TerminalTarget | undefined) => void): () => void;
}

/** Larger client messages close the connection (1009): input is typed or pasted, never megabytes. */
export const MAX_CLIENT_MESSAGE = 64 * 1024;
const MAX_DIMENSION = 1000;

export type ClientMessage = { type: 'resize'; cols: number; rows: number };

/** A text frame from the page, or undefined when it is not one the protocol has. */
export function parseClientMessage(text: string): ClientMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, cols, rows } = value as Record<string, unknown>;
  const dimension = (n: unknown): n is number =>
    Number.isInteger(n) && (n as number) >= 1 && (n as number) <= MAX_DIMENSION;
  if (type === 'resize' && dimension(cols) && dimension(rows) && Object.keys(value).length === 3)
    return { type, cols, rows };
  return undefined;
}
