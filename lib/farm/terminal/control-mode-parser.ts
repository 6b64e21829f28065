// A streaming parser of tmux control mode (`tmux -C`) output. tmux writes one
// notification a line; a command's reply is the lines between `%begin` and the
// matching `%end` or `%error`. Chunks from the pipe may cut a line (or an octal
// escape) anywhere, and a pane's UTF-8 characters may be split across two `%output`
// lines, so everything stays bytes: nothing here decodes text but the notification's name.

export type ControlEvent =
  /** Bytes a pane wrote (`%output`, or `%extended-output` when pause-after is on). */
  | { type: 'output'; pane: string; data: Buffer }
  /** A command's reply: its number, whether it came from this client, its output lines joined by "\n". */
  | { type: 'reply'; number: number; fromClient: boolean; ok: boolean; body: Buffer }
  /** The client is detached: the session ended, the server died, or the client was too far behind. */
  | { type: 'exit'; reason?: string }
  /** tmux stopped (`%pause`) or resumed (`%continue`) sending a pane's output to this client. */
  | { type: 'pause' | 'continue'; pane: string }
  /** Any other notification (`%window-add`, `%session-changed`, `%layout-change`, …), its arguments as text. */
  | { type: 'notification'; name: string; args: string };

const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;
const SPACE = 0x20;

interface OpenBlock {
  /** `<time> <number> <flags>`: the guard that the closing `%end`/`%error` repeats. */
  guard: string;
  number: number;
  fromClient: boolean;
  lines: Buffer[];
}

export class ControlModeParser {
  private pending: Buffer = Buffer.alloc(0);
  private block: OpenBlock | undefined;

  /** Parses a chunk of tmux's stdout; returns the events of the lines it completed. */
  push(chunk: Buffer): ControlEvent[] {
    const events: ControlEvent[] = [];
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    let start = 0;
    for (let end = data.indexOf(NEWLINE, start); end !== -1; end = data.indexOf(NEWLINE, start)) {
      const event = this.line(data.subarray(start, end));
      if (event) events.push(event);
      start = end + 1;
    }
    data = data.subarray(start);
    // Copy the remainder: a subarray would keep the whole chunk alive.
    this.pending = Buffer.from(data);
    return events;
  }

  private line(line: Buffer): ControlEvent | undefined {
    if (this.block) return this.blockLine(line);
    if (line[0] !== 0x25 /* % */) return undefined; // Not a notification (tmux writes none such outside a block).
    const nameEnd = indexOrEnd(line, SPACE, 0);
    const name = line.toString('latin1', 1, nameEnd);
    const rest = line.subarray(Math.min(nameEnd + 1, line.length));
    switch (name) {
      case 'output': {
        const paneEnd = indexOrEnd(rest, SPACE, 0);
        return { type: 'output', pane: rest.toString('latin1', 0, paneEnd), data: decodeOutput(rest, paneEnd + 1) };
      }
      case 'extended-output': {
        // %extended-output %<pane> <age> … : <value>
        const paneEnd = indexOrEnd(rest, SPACE, 0);
        const colon = rest.indexOf(' : ');
        const from = colon === -1 ? rest.length : colon + 3;
        return { type: 'output', pane: rest.toString('latin1', 0, paneEnd), data: decodeOutput(rest, from) };
      }
      case 'begin': {
        const guard = rest.toString('latin1');
        const [, number, flags] = guard.split(' ');
        this.block = { guard, number: Number(number), fromClient: flags === '1', lines: [] };
        return undefined;
      }
      case 'exit': {
        const reason = rest.toString('utf8');
        return reason ? { type: 'exit', reason } : { type: 'exit' };
      }
      case 'pause':
      case 'continue':
        return { type: name, pane: rest.toString('latin1') };
      default:
        return { type: 'notification', name, args: rest.toString('utf8') };
    }
  }

  /** Inside a reply every line is its output, but the `%end`/`%error` that repeats the `%begin`'s guard. */
  private blockLine(line: Buffer): ControlEvent | undefined {
    const block = this.block!;
    const text = line[0] === 0x25 ? line.toString('latin1') : '';
    const ok = text === `%end ${block.guard}`;
    if (!ok && text !== `%error ${block.guard}`) {
      block.lines.push(Buffer.from(line));
      return undefined;
    }
    this.block = undefined;
    const body = Buffer.concat(block.lines.flatMap((part, index) => (index === 0 ? [part] : [NEWLINE_BYTE, part])));
    return { type: 'reply', number: block.number, fromClient: block.fromClient, ok, body };
  }
}

const NEWLINE_BYTE = Buffer.from('\n');

function indexOrEnd(buffer: Buffer, byte: number, from: number): number {
  const index = buffer.indexOf(byte, from);
  return index === -1 ? buffer.length : index;
}

const isOctal = (byte: number | undefined) => byte !== undefined && byte >= 0x30 && byte <= 0x37;

/** tmux's escaping of output: bytes below 32 and the backslash as `\ooo`; every other byte as it is. */
function decodeOutput(line: Buffer, from: number): Buffer {
  const out = Buffer.allocUnsafe(Math.max(0, line.length - from));
  let length = 0;
  for (let index = from; index < line.length; index++) {
    const byte = line[index]!;
    if (byte === BACKSLASH && isOctal(line[index + 1]) && isOctal(line[index + 2]) && isOctal(line[index + 3])) {
      out[length++] = ((line[index + 1]! - 0x30) << 6) | ((line[index + 2]! - 0x30) << 3) | (line[index + 3]! - 0x30);
      index += 3;
    } else {
      out[length++] = byte;
    }
  }
  return out.subarray(0, length);
}
