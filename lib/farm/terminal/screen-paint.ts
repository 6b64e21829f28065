// The bytes that paint a pane's current state on a fresh terminal (a page that joins
// mid-way, or one that fell behind): scrollback, the screen, the alternate screen of a
// full-screen program (vim, less, top) over the normal one, the scroll region, the
// cursor and its modes. Made from `display-message` of SCREEN_FORMAT and two
// `capture-pane -e` (the current grid with history; with -a, the normal screen kept
// while the alternate one is on).

/** What display-message reports, space-separated, in the order paintScreen reads it. */
export const SCREEN_FORMAT = [
  '#{pane_id}',
  '#{alternate_on}',
  '#{pane_height}',
  '#{cursor_x}',
  '#{cursor_y}',
  '#{cursor_flag}',
  '#{keypad_cursor_flag}',
  '#{keypad_flag}',
  '#{scroll_region_upper}',
  '#{scroll_region_lower}',
].join(' ');

const ESC = '\x1b';
/** A full reset (RIS): the terminal's screen, scrollback and modes start clean. */
const RESET = `${ESC}c`;
/** capture-pane -e starts each line from the default attributes; end each so too. */
const LINE_END = `${ESC}[0m`;

function lines(capture: Buffer): Buffer[] {
  const result: Buffer[] = [];
  let start = 0;
  for (let end = capture.indexOf(0x0a); end !== -1; end = capture.indexOf(0x0a, start)) {
    result.push(capture.subarray(start, end));
    start = end + 1;
  }
  result.push(capture.subarray(start));
  return result;
}

/** Lines written one under the other, the cursor left at the end of the last (no scroll past it). */
function rows(parts: Buffer[]): Buffer {
  const crlf = Buffer.from(`${LINE_END}\r\n`);
  return Buffer.concat([
    ...parts.flatMap((part, index) => (index === 0 ? [part] : [crlf, part])),
    Buffer.from(LINE_END),
  ]);
}

export interface PaintedScreen {
  /** The pane this screen is of (`%3`): its `%output` follows. */
  pane: string;
  bytes: Buffer;
}

/**
 * `info`: display-message of SCREEN_FORMAT; `current`: capture-pane -e -S -<history> (history, then
 * the visible grid: the alternate screen when it is on); `saved`: capture-pane -e -a -q (the normal
 * screen under the alternate one; empty when it is off).
 */
export function paintScreen(info: string, current: Buffer, saved: Buffer): PaintedScreen {
  const [pane = '', alternate, height, x, y, cursorOn, keypadCursor, keypad, top, bottom] = info.trim().split(' ');
  const screenRows = Number(height);
  const all = lines(current);
  const history = all.slice(0, Math.max(0, all.length - screenRows));
  const visible = all.slice(history.length);
  const parts: Buffer[] = [Buffer.from(RESET)];
  if (alternate === '1') {
    parts.push(rows([...history, ...lines(saved)]), Buffer.from(`${ESC}[?1049h${ESC}[H`), rows(visible));
  } else {
    parts.push(rows(all));
  }
  let modes = '';
  if (Number(top) !== 0 || Number(bottom) !== screenRows - 1)
    modes += `${ESC}[${Number(top) + 1};${Number(bottom) + 1}r`;
  if (cursorOn === '0') modes += `${ESC}[?25l`;
  if (keypadCursor === '1') modes += `${ESC}[?1h`;
  if (keypad === '1') modes += `${ESC}=`;
  modes += `${ESC}[${Number(y) + 1};${Number(x) + 1}H`;
  parts.push(Buffer.from(modes));
  return { pane, bytes: Buffer.concat(parts) };
}
