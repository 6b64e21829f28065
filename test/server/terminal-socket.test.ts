// lib/server/terminal-socket.ts through real sockets: a small http server of the test
// hands its upgrades over, as the dashboard does, and `ws` clients speak the
// protocol against real tmux sessions (a tmux server of the test's own) and real logs.
// The tabs under /tab/ follow targets the test changes, as the dashboard's state would.
// The http server listens on a Unix socket: its small kernel buffers make a page that
// stops reading push back on the server at once (loopback TCP would absorb megabytes).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import type { TerminalFollow, TerminalTarget } from '../../lib/server/terminal-protocol.js';
import { createTerminalSockets, LOG_MODE_REASON, type TerminalSockets } from '../../lib/server/terminal-socket.js';
import { eventually, type TestTmux, testTmux } from '../helpers/tmux-server.js';
import { inFolder } from '../helpers/processes.js';

interface Harness {
  tmux: TestTmux;
  folder: string;
  /** A connected client on `/tmux/<session>`, `/log/<file name in the folder>` or `/tab/<name>` (see setTab). */
  connect(path: string): Promise<Client>;
  /** What the state says of the tab `/tab/<name>` now (undefined: it is gone); its sockets are told. */
  setTab(name: string, target: TerminalTarget | undefined): void;
  sockets: TerminalSockets;
  /** The server's side of every upgraded connection: its writableLength is what waits for the page. */
  serverSockets: Duplex[];
}

interface ServerMessage {
  type: string;
  mode?: string;
  readOnly?: boolean;
  reason?: string;
}

interface Client {
  ws: WebSocket;
  /** Every JSON message received. */
  messages: ServerMessage[];
  /** Every output byte received, as text. */
  text(): string;
  closed: Promise<{ code: number; reason: string }>;
  resize(cols: number, rows: number): void;
  type(text: string): void;
}

function harnessTest(name: string, body: (harness: Harness) => Promise<void>): void {
  test(
    name,
    inFolder(async (folder) => {
      const tmux = testTmux(folder);
      const sockets = createTerminalSockets({ env: tmux.env });
      const server = createServer((_request, response) => response.writeHead(404).end());
      const serverSockets: Duplex[] = [];
      const tabs = new Map<string, TerminalTarget | undefined>();
      const watchers = new Map<string, Set<(target: TerminalTarget | undefined) => void>>();
      const setTab = (name: string, target: TerminalTarget | undefined) => {
        tabs.set(name, target);
        for (const watcher of watchers.get(name) ?? []) watcher(target);
      };
      const alive = { pid: process.pid, alive: true };
      server.on('upgrade', (request, socket, head) => {
        serverSockets.push(socket);
        const [, mode, name] = (request.url ?? '').split('/');
        const still = (current: TerminalTarget): TerminalFollow => ({ current, watch: () => () => {} });
        const follow: TerminalFollow =
          mode === 'tmux'
            ? still({ tab: `builder-${name}`, label: `builder ${name}`, process: { ...alive, tmuxSession: name } })
            : mode === 'log'
              ? still({ tab: 'architect', label: 'the architect', process: { ...alive, logFile: join(folder, name!) } })
              : mode === 'tab'
                ? {
                    current: tabs.get(name!)!,
                    watch(listener) {
                      const set = watchers.get(name!) ?? new Set();
                      watchers.set(name!, set.add(listener));
                      return () => set.delete(listener);
                    },
                  }
                : still({ tab: 'none', label: 'nothing', process: { pid: process.pid, alive: true } });
        sockets.handleUpgrade(request, socket, head, follow);
      });
      const path = join(folder, 'http.sock');
      await new Promise<void>((resolve) => server.listen(path, resolve));
      const clients: Client[] = [];
      const connect = async (route: string) => {
        const client = openClient(`ws+unix://${path}:${route}`);
        clients.push(client);
        await new Promise((resolve, reject) => {
          client.ws.once('open', resolve);
          client.ws.once('error', reject);
        });
        return client;
      };
      try {
        await body({ tmux, folder, connect, setTab, sockets, serverSockets });
      } finally {
        for (const client of clients) client.ws.terminate();
        await sockets.close();
        server.close();
        tmux.kill();
      }
    }),
  );
}

function openClient(url: string): Client {
  const ws = new WebSocket(url);
  const messages: ServerMessage[] = [];
  const output: Buffer[] = [];
  ws.on('message', (data, isBinary) => {
    if (isBinary) output.push(data as Buffer);
    else messages.push(JSON.parse(String(data)));
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  return {
    ws,
    messages,
    text: () => Buffer.concat(output).toString('utf8'),
    closed,
    resize: (cols, rows) => ws.send(JSON.stringify({ type: 'resize', cols, rows })),
    type: (text) => ws.send(Buffer.from(text, 'utf8')),
  };
}

const SHELL = 'PS1="$ " exec sh';

/** This process's tmux children (the control clients), from /proc. */
function tmuxChildren(): number[] {
  const children = readdirSync('/proc/self/task').flatMap((task) =>
    readFileSync(`/proc/self/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
  );
  return children.filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'tmux';
    } catch {
      return false;
    }
  });
}

harnessTest('hello, the first screen, typed input echoed back; tmux shows it too', async ({ tmux, connect }) => {
  tmux.newSession('typing', SHELL);
  const client = await connect('/tmux/typing');
  client.resize(90, 20);
  await eventually('the first screen', () => client.text().startsWith('\x1bc'));
  assert.equal(client.messages[0], { type: 'hello', mode: 'tmux', readOnly: false });
  const marker = `mark-${Math.random().toString(36).slice(2)}`;
  client.type(`echo ${marker} été 世界 😀\r`);
  await eventually('the echo', () => client.text().includes(`\r\n${marker} été 世界 😀\r\n`));
  assert.ok(tmux.capture('typing').includes(`${marker} été 世界 😀`));
  const size = () => tmux.tmux('display-message', '-p', '-t', '=typing:', '#{window_width}x#{window_height}').trim();
  assert.is(size(), '90x20');
  client.resize(70, 15);
  await eventually('the resize', () => size() === '70x15');
  // A size the page says while its client is still attaching is not lost.
  const late = await connect('/tmux/typing');
  late.resize(50, 12);
  late.resize(52, 13);
  await eventually('the latest size of the late page', () => size() === '52x13');
});

harnessTest('seq streams whole and in order, through a page that stops reading for a while', async (harness) => {
  const { tmux, connect, serverSockets } = harness;
  tmux.newSession('stream', SHELL);
  const client = await connect('/tmux/stream');
  client.resize(80, 24);
  await eventually('the first screen', () => client.text().startsWith('\x1bc'));
  const start = client.text().length;
  client.type('seq 1 1000000; echo seq-done\r');
  // The page stops reading: the server must hold back, neither buffer without bound nor drop the connection.
  const raw = (client.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  await eventually('some output', () => client.text().length > start + 1000);
  raw.pause();
  let mostWaiting = 0;
  for (let look = 0; look < 100; look++) {
    mostWaiting = Math.max(mostWaiting, serverSockets[0]!.writableLength);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  raw.resume();
  // seq writes 6.9 MB; the server stops reading tmux past 1 MiB waiting (plus one turn's frame).
  assert.ok(mostWaiting > 512 * 1024, `the page's pause was felt: ${mostWaiting} bytes waiting`);
  assert.ok(mostWaiting < 3 * 1024 * 1024, `at most ${mostWaiting} bytes waited for the page`);
  await eventually('the end of seq', () => client.text().includes('\r\nseq-done\r\n'), 60_000);
  const lines = client.text().slice(start).split('\r\n');
  const numbers = lines.slice(lines.indexOf('1'), lines.indexOf('1000000') + 1);
  assert.is(numbers.length, 1000000, 'every line arrived once');
  assert.ok(
    numbers.every((line, index) => line === String(index + 1)),
    'in order',
  );
  assert.is(client.ws.readyState, WebSocket.OPEN);
});

harnessTest(
  'a second page on the same terminal sees the same screen and what the first types',
  async ({ tmux, connect }) => {
    tmux.newSession('shared', SHELL);
    const first = await connect('/tmux/shared');
    first.resize(80, 24);
    first.type('echo first-was-here\r');
    await eventually('the first echo', () => tmux.capture('shared').includes('\nfirst-was-here'));
    const second = await connect('/tmux/shared');
    second.resize(80, 24);
    await eventually('the second page’s first screen', () => second.text().includes('first-was-here'));
    first.type('echo typed-in-first\r');
    await eventually('the echo on the second page', () => second.text().includes('\r\ntyped-in-first\r\n'));
  },
);

harnessTest('a malformed or oversized message closes that connection and nothing else', async ({ tmux, connect }) => {
  tmux.newSession('guarded', SHELL);
  const healthy = await connect('/tmux/guarded');
  healthy.resize(80, 24);
  for (const bad of [
    'not json',
    '{"type":"resize","cols":0,"rows":24}',
    '{"type":"resize","cols":80}',
    '[]',
    '{"type":"exec"}',
  ]) {
    const client = await connect('/tmux/guarded');
    client.ws.send(bad);
    assert.is((await client.closed).code, 1008, bad);
  }
  const huge = await connect('/tmux/guarded');
  huge.ws.send(Buffer.alloc(70 * 1024, 0x61));
  assert.is((await huge.closed).code, 1009);
  healthy.type('echo still-alive\r');
  await eventually('the healthy connection', () => healthy.text().includes('\r\nstill-alive\r\n'));
  assert.ok(!tmux.capture('guarded').includes('aaaa'), 'nothing of the oversized message was typed');
});

/** The messages' text and the output: a raw tmux error must be in neither. */
const everything = (client: Client) => JSON.stringify(client.messages) + client.text();
const RAW_TMUX = /can't find|no server running|no sessions|error connecting/;

harnessTest(
  'a session that ends or is missing is said so in a sentence, never in tmux’s words; the socket stays open',
  async ({ tmux, connect }) => {
    tmux.newSession('ending', SHELL);
    const client = await connect('/tmux/ending');
    client.resize(80, 24);
    await eventually('the first screen', () => client.text().startsWith('\x1bc'));
    client.type('exit\r');
    await eventually('the exit', () => client.messages.at(-1)?.type === 'exit');
    assert.is(client.messages.at(-1)?.reason, 'builder ending has ended; its tmux session is closed.');
    const missing = await connect('/tmux/missing');
    missing.resize(80, 24);
    await eventually('the exit', () => missing.messages.at(-1)?.type === 'exit');
    assert.is(missing.messages.at(-1)?.reason, 'builder missing has ended; tmux kept nothing of its screen.');
    for (const one of [client, missing]) {
      assert.not.match(everything(one), RAW_TMUX);
      assert.is(one.ws.readyState, WebSocket.OPEN, 'open: a new process on the tab would be shown');
    }
  },
);

harnessTest(
  'a tab follows its process: starting, then attached once recorded, a new process attached in place',
  async ({ tmux, connect, setTab }) => {
    const tab = { tab: 'builder-7', label: 'builder 7' };
    setTab('b7', tab);
    const client = await connect('/tab/b7');
    client.resize(80, 24);
    await eventually('the hello', () => client.messages.length > 0);
    assert.equal(client.messages[0], {
      type: 'hello',
      mode: 'starting',
      readOnly: true,
      reason: 'builder 7 is starting',
    });
    tmux.newSession('first', SHELL);
    setTab('b7', { ...tab, process: { pid: process.pid, alive: true, tmuxSession: 'first' } });
    await eventually('attached', () => client.text().startsWith('\x1bc'));
    assert.equal(client.messages[1], { type: 'hello', mode: 'tmux', readOnly: false });
    client.type('echo in-$((6*7))-first\r');
    await eventually('the echo', () => client.text().includes('in-42-first'));

    // A restart: the same tab, a new pid and session.
    tmux.newSession('second', SHELL);
    const before = client.text().length;
    setTab('b7', { ...tab, process: { pid: process.ppid, alive: true, tmuxSession: 'second' } });
    await eventually('attached again', () => client.text().slice(before).startsWith('\x1bc'));
    assert.equal(client.messages.at(-1), { type: 'hello', mode: 'tmux', readOnly: false });
    client.type('echo in-$((6*7))-second\r');
    await eventually('the echo in the new session', () => tmux.capture('second').includes('in-42-second'));
    assert.not.match(tmux.capture('first'), 'second', 'the old session gets nothing');
    assert.is(client.ws.readyState, WebSocket.OPEN, 'one connection all along');
    const clientsOf = () => tmux.tmux('list-clients', '-F', '#{session_name}').trim();
    assert.is(clientsOf(), 'second', 'the old control client is gone');
  },
);

harnessTest(
  'a process that ended keeps its last screen (remain-on-exit) and says so; the tab gone closes (1000)',
  async ({ tmux, connect, setTab }) => {
    tmux.newSession('kept', SHELL);
    tmux.tmux('set-option', '-w', '-t', '=kept:', 'remain-on-exit', 'on');
    const running = {
      tab: 'builder-k',
      label: 'builder k',
      process: { pid: process.pid, alive: true, tmuxSession: 'kept' },
    };
    setTab('k', running);
    const client = await connect('/tab/k');
    client.resize(80, 24);
    await eventually('the first screen', () => client.text().startsWith('\x1bc'));
    client.type('echo last-$((6*7)); exit\r');
    // tmux may drop a dying pane's last output on its way to a control client: the last screen is painted again.
    const dead = () => tmux.tmux('display-message', '-p', '-t', '=kept:', '#{pane_dead}').trim() === '1';
    await eventually('the pane dead', dead);
    setTab('k', { ...running, process: { ...running.process, alive: false } });
    await eventually('the exit', () => client.messages.at(-1)?.type === 'exit');
    const paints = client.text().split('\x1bc');
    assert.is(paints.length, 3, 'the first screen, then the last one painted whole once the pane is dead');
    assert.match(paints[2]!, 'last-42');
    assert.is(client.messages.at(-1)?.reason, 'builder k has ended: its last screen is shown.');
    assert.is(tmux.tmux('list-clients').trim(), '', 'no control client kept on a dead pane');

    // A page opened afterwards: the last screen, then the same sentence.
    const later = await connect('/tab/k');
    later.resize(80, 24);
    await eventually('the exit', () => later.messages.at(-1)?.type === 'exit');
    assert.match(later.text(), 'last-42');
    assert.is(later.messages.at(-1)?.reason, 'builder k has ended: its last screen is shown.');
    assert.not.match(everything(later), RAW_TMUX);

    setTab('k', undefined);
    for (const one of [client, later]) {
      assert.is((await one.closed).code, 1000);
      assert.is(one.messages.at(-1)?.reason, 'builder k is no longer in the farm.');
    }
  },
);

harnessTest(
  'a detached process: its log live, read-only and saying why; input closes the connection',
  async ({ folder, connect }) => {
    writeFileSync(join(folder, 'architect.log'), 'started\n');
    const client = await connect('/log/architect.log');
    client.resize(80, 24);
    await eventually('the log', () => client.text() === 'started\n');
    assert.equal(client.messages[0], { type: 'hello', mode: 'log', readOnly: true, reason: LOG_MODE_REASON });
    appendFileSync(join(folder, 'architect.log'), 'working ✓\n');
    await eventually('the appended line', () => client.text() === 'started\nworking ✓\n');
    client.type('x');
    assert.is((await client.closed).code, 1008);
  },
);

harnessTest(
  'close() ends every connection and every tmux client, the sessions stay',
  async ({ tmux, connect, sockets }) => {
    tmux.newSession('lasting', SHELL);
    const attached = await connect('/tmux/lasting');
    attached.resize(80, 24);
    await eventually('the first screen', () => attached.text().startsWith('\x1bc'));
    // The second is closed as soon as its tmux client is there, most likely before its first screen.
    const attaching = await connect('/tmux/lasting');
    attaching.resize(80, 24);
    const clientCount = () => tmux.tmux('list-clients').trim().split('\n').length;
    for (const deadline = Date.now() + 15_000; clientCount() < 2 && Date.now() < deadline; );
    const clients = [attached, attaching];
    await sockets.close();
    assert.equal(tmuxChildren(), [], 'no tmux client outlives close()');
    assert.is(tmux.tmux('list-clients').trim(), '');
    for (const client of clients) assert.is((await client.closed).code, 1001);
    assert.ok(tmux.tmux('list-sessions').includes('lasting'));
  },
);

test.run();
