// lib/farm/terminal/control-mode-parser.ts on tmux control mode output as tmux 3.3
// writes it: octal escapes, reply blocks, notifications, lines cut anywhere between
// chunks, UTF-8 split across two %output lines.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type ControlEvent, ControlModeParser } from '../../../lib/farm/terminal/control-mode-parser.js';

const bytes = (text: string) => Buffer.from(text, 'latin1');

/** Feeds `chunks` one after the other and returns every event. */
function parse(...chunks: Buffer[]): ControlEvent[] {
  const parser = new ControlModeParser();
  return chunks.flatMap((chunk) => parser.push(chunk));
}

function outputOf(events: ControlEvent[]): Buffer {
  return Buffer.concat(events.flatMap((event) => (event.type === 'output' ? [event.data] : [])));
}

test('%output: octal escapes become bytes, the backslash is \\134, other bytes pass as they are', () => {
  const events = parse(bytes('%output %3 a\\015\\012b\\134c\\033[31m \xc3\xa9\n'));
  assert.equal(events.length, 1);
  const event = events[0]!;
  assert.is(event.type, 'output');
  if (event.type !== 'output') return;
  assert.is(event.pane, '%3');
  assert.equal([...event.data], [...Buffer.from('a\r\nb\\c\x1b[31m é', 'utf8')]);
});

test('a backslash not followed by three octal digits is kept', () => {
  assert.equal(outputOf(parse(bytes('%output %0 \\9x\\01\n'))).toString('latin1'), '\\9x\\01');
});

test('%extended-output (pause-after) gives its value after " : " as output', () => {
  const events = parse(bytes('%extended-output %1 1200 : hi\\012\n'));
  assert.equal(events, [{ type: 'output', pane: '%1', data: Buffer.from('hi\n') }]);
});

test('a reply block: its lines joined, its number, whether this client sent it, %end or %error', () => {
  const events = parse(
    bytes('%begin 1796125419 282 1\n80x24\nsecond line\n%end 1796125419 282 1\n'),
    bytes('%begin 1796125419 283 1\nparse error: unknown command: nope\n%error 1796125419 283 1\n'),
    bytes('%begin 1796125419 284 0\n%end 1796125419 284 0\n'),
  );
  assert.equal(events, [
    { type: 'reply', number: 282, fromClient: true, ok: true, body: Buffer.from('80x24\nsecond line') },
    {
      type: 'reply',
      number: 283,
      fromClient: true,
      ok: false,
      body: Buffer.from('parse error: unknown command: nope'),
    },
    { type: 'reply', number: 284, fromClient: false, ok: true, body: Buffer.alloc(0) },
  ]);
});

test("inside a block, lines that look like notifications are the command's output", () => {
  const events = parse(bytes('%begin 1 7 1\n%output %0 not output\n%end 1 6 1\n%exit\n%end 1 7 1\n%output %0 real\n'));
  assert.equal(events, [
    {
      type: 'reply',
      number: 7,
      fromClient: true,
      ok: true,
      body: Buffer.from('%output %0 not output\n%end 1 6 1\n%exit'),
    },
    { type: 'output', pane: '%0', data: Buffer.from('real') },
  ]);
});

test('%exit with and without a reason, %pause and %continue', () => {
  assert.equal(parse(bytes('%exit\n%exit too far behind\n%pause %2\n%continue %2\n')), [
    { type: 'exit' },
    { type: 'exit', reason: 'too far behind' },
    { type: 'pause', pane: '%2' },
    { type: 'continue', pane: '%2' },
  ]);
});

test('other notifications are events of their own, never output', () => {
  const events = parse(
    bytes('%session-changed $0 t1\n%window-add @1\n%layout-change @0 a87d,100x30,0,0,0 a87d,100x30,0,0,0 *\n'),
  );
  assert.equal(events, [
    { type: 'notification', name: 'session-changed', args: '$0 t1' },
    { type: 'notification', name: 'window-add', args: '@1' },
    { type: 'notification', name: 'layout-change', args: '@0 a87d,100x30,0,0,0 a87d,100x30,0,0,0 *' },
  ]);
  assert.is(outputOf(events).length, 0);
});

test('a line cut in the middle of a chunk, and in the middle of an escape, parses as if whole', () => {
  const whole = bytes('%output %0 ab\\134cd\\015\\012\n%begin 5 9 1\nreply\n%end 5 9 1\n%output %0 z\n');
  const expected = parse(whole);
  for (let cut = 1; cut < whole.length; cut++) {
    const events = parse(whole.subarray(0, cut), whole.subarray(cut));
    assert.equal(events, expected, `cut at byte ${cut}`);
  }
  // One byte at a time.
  assert.equal(parse(...[...whole].map((byte) => Buffer.from([byte]))), expected);
  assert.is(outputOf(expected).toString('latin1'), 'ab\\cd\r\nz');
});

test('a UTF-8 character split across two %output lines comes out whole once joined', () => {
  // "é€😀世" with the euro sign cut after its first byte and the emoji after its second.
  const text = Buffer.from('é€😀世', 'utf8');
  const first = text.subarray(0, 3);
  const second = text.subarray(3, 9);
  const third = text.subarray(9);
  const events = parse(
    Buffer.concat([bytes('%output %0 '), first, bytes('\n%output %0 ')]),
    Buffer.concat([second, bytes('\n')]),
    Buffer.concat([bytes('%output %0 '), third, bytes('\n')]),
  );
  assert.is(events.length, 3);
  assert.is(outputOf(events).toString('utf8'), 'é€😀世');
});

test.run();
