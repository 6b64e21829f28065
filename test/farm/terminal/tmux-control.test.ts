// lib/farm/terminal/tmux-control.ts against a real tmux server of the test's own:
// the first screen, bytes typed in and echoed out (UTF-8 intact), resize, the
// alternate screen of a full-screen program, the session's end, a missing session.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TerminalError, TmuxControlClient } from '../../../lib/farm/terminal/tmux-control.js';
import { inFolder } from '../../helpers/processes.js';
import { eventually, type TestTmux, testTmux } from '../../helpers/tmux-server.js';

/** The escape sequences of a painted screen: reset, CSI, keypad modes. */
const ESCAPES = new RegExp(`${String.fromCharCode(27)}(c|\\[[0-9;?]*[A-Za-z]|[=>])`, 'g');

interface Attached {
  client: TmuxControlClient;
  /** Every byte onOutput received, the first screen included. */
  output(): Buffer;
  exits: string[];
}

async function attach(tmux: TestTmux, session: string, cols = 80, rows = 24): Promise<Attached> {
  const chunks: Buffer[] = [];
  const exits: string[] = [];
  const client = await TmuxControlClient.attach({
    session,
    cols,
    rows,
    env: tmux.env,
    onOutput: (data) => chunks.push(data),
    onExit: (reason) => exits.push(reason),
  });
  return { client, output: () => Buffer.concat(chunks), exits };
}

function tmuxTest(name: string, body: (tmux: TestTmux, folder: string) => Promise<void>): void {
  test(
    name,
    inFolder(async (folder) => {
      const tmux = testTmux(folder);
      try {
        await body(tmux, folder);
      } finally {
        tmux.kill();
      }
    }),
  );
}

tmuxTest('the first screen carries what the pane showed before the client came, then the cursor', async (tmux) => {
  tmux.newSession('first', "printf 'before-1\\nbefore-2\\n'; exec cat");
  await eventually('the printf', () => tmux.capture('first').includes('before-2'));
  const attached = await attach(tmux, 'first');
  try {
    const screen = attached.output().toString('utf8');
    assert.ok(screen.startsWith('\x1bc'), 'the screen starts with a reset');
    assert.ok(screen.includes('before-1\x1b[0m\r\nbefore-2'), JSON.stringify(screen));
    assert.ok(screen.endsWith('\x1b[3;1H'), `the cursor goes to line 3: ${JSON.stringify(screen.slice(-12))}`);
  } finally {
    await attached.client.close();
  }
});

tmuxTest('bytes typed in reach the pane, its echo comes back out as bytes, UTF-8 intact', async (tmux) => {
  tmux.newSession('typing', 'exec cat');
  const attached = await attach(tmux, 'typing');
  try {
    const text = 'héllo wörld 世界 😀 \\ done';
    attached.client.write(Buffer.from(`${text}\r`, 'utf8'));
    await eventually('the echo', () => attached.output().toString('utf8').includes(`${text}\r\n${text}\r\n`));
    await eventually('the pane to show it', () => tmux.capture('typing').includes(text));
    // Long input goes in several send-keys commands, in order.
    const long = 'x'.repeat(700).replace(/x{10}/g, (ten, at) => `${ten.slice(0, 9)}${at % 10}`);
    attached.client.write(Buffer.from(`${long}\r`));
    await eventually('the long echo', () => attached.output().toString('utf8').includes(`${long}\r\n${long}`));
  } finally {
    await attached.client.close();
  }
});

tmuxTest('joining a pane mid-stream: the live output continues the first screen, no line twice', async (tmux) => {
  tmux.newSession('counting', 'i=0; while [ $i -lt 400000 ]; do i=$((i+1)); echo $i; done; exec cat');
  await eventually('the count to start', () => /\d{3}/.test(tmux.capture('counting')));
  const chunks: Buffer[] = [];
  const client = await TmuxControlClient.attach({
    session: 'counting',
    cols: 80,
    rows: 24,
    history: 0,
    env: tmux.env,
    onOutput: (data) => chunks.push(data),
    onExit: () => {},
  });
  try {
    await eventually('more output', () => chunks.length > 3);
    assert.ok(chunks[0]!.toString('latin1').startsWith('\x1bc'), 'the first screen comes first');
    // The screen's rows (escape sequences removed), then what came after.
    const text = Buffer.concat(chunks).toString('latin1').replace(ESCAPES, '');
    const numbers = text
      .split(/\r\n|\n/)
      .filter((line) => /^\d+$/.test(line))
      .map(Number);
    assert.ok(numbers.length > 30, `${numbers.length} lines`);
    const out = numbers.findIndex((n, i) => i > 0 && n !== numbers[i - 1]! + 1);
    assert.is(out, -1, `line ${numbers[out - 1]} is followed by ${numbers[out]}`);
  } finally {
    await client.close();
  }
});

tmuxTest('resize makes the window the client size, the client that resized last wins', async (tmux) => {
  tmux.newSession('sized', 'exec cat', 80, 24);
  const first = await attach(tmux, 'sized', 100, 30);
  const size = () => tmux.tmux('display-message', '-p', '-t', '=sized:', '#{window_width}x#{window_height}').trim();
  try {
    await eventually('100x30', () => size() === '100x30');
    first.client.resize(61, 17);
    await eventually('61x17', () => size() === '61x17');
    const second = await attach(tmux, 'sized', 90, 20);
    try {
      await eventually('the second client’s size', () => size() === '90x20');
      first.client.resize(61, 17);
      await eventually('the first client’s size again', () => size() === '61x17');
    } finally {
      await second.client.close();
    }
  } finally {
    await first.client.close();
  }
});

tmuxTest(
  'a page joining a full-screen program gets the normal screen, then the alternate one',
  async (tmux, folder) => {
    const file = join(folder, 'lines.txt');
    writeFileSync(file, Array.from({ length: 200 }, (_, i) => `file line ${i + 1}`).join('\n'));
    tmux.newSession('pager', `seq 1 100; printf 'under the pager\\n'; exec less ${file}`);
    await eventually('less', () => tmux.capture('pager').includes('file line 1'));
    const attached = await attach(tmux, 'pager');
    try {
      const screen = attached.output().toString('utf8');
      const switchAt = screen.indexOf('\x1b[?1049h');
      assert.ok(switchAt > 0, 'the screen switches to the alternate buffer');
      const under = screen.indexOf('under the pager');
      assert.ok(under > 0 && under < switchAt, 'the normal screen is painted first');
      const scrollback = screen.indexOf('\r\n50\x1b[0m\r\n51');
      assert.ok(scrollback > 0 && scrollback < under, 'after its scrollback');
      assert.ok(screen.indexOf('file line 1') > switchAt, 'the pager is on the alternate screen');
      assert.not.ok(screen.includes('file line 30'), 'only one screen of the file');
      // The page scrolls on: less's redraw comes as output.
      attached.client.write(Buffer.from(' '));
      await eventually('the next page', () => attached.output().toString('utf8').includes('file line 30'));
      attached.client.write(Buffer.from('q'));
      await eventually('the session to end with less', () => attached.exits.length === 1);
    } finally {
      await attached.client.close();
    }
  },
);

tmuxTest('the session ending is an exit event; closing detaches without ending the session', async (tmux) => {
  tmux.newSession('ending', 'exec cat');
  tmux.newSession('staying', 'exec cat');
  const ending = await attach(tmux, 'ending');
  const staying = await attach(tmux, 'staying');
  tmux.tmux('kill-session', '-t', '=ending');
  await eventually('the exit event', () => ending.exits.length === 1);
  await staying.client.close();
  assert.equal(staying.exits, [], 'close() is not an exit');
  assert.ok(tmux.tmux('list-sessions', '-F', '#{session_name}').split('\n').includes('staying'));
  await ending.client.close();
});

tmuxTest('a missing session, or a name that is not one, is a TerminalError', async (tmux) => {
  tmux.newSession('other', 'exec cat');
  for (const session of ['missing', 'bad;name']) {
    const outcome = await attach(tmux, session).catch((error: unknown) => error);
    assert.instance(outcome, TerminalError, String(outcome));
    assert.is((outcome as TerminalError).code, 'E_TERMINAL');
  }
});

test.run();
