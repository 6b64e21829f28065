// `af send` as the architect (and scripts, and builders answering) use it: a message
// reaches the agent's terminal as one bracketed paste, then Enter as a key of its
// own; messages sent at once never merge; the native options work; a builder that is
// unknown, ended or without tmux refuses the message and nothing is typed anywhere.
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { test } from 'uvu';
import type { Builder } from '../../lib/state/types.js';
import { recordingAgent, type RecordingAgent } from '../helpers/agent.js';
import { farmTest, type TestFarm } from '../helpers/farm.js';

const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';
/** The native wrapper; the terminal gets CR where the text has LF, as a typed Enter. */
const WRAPPED =
  /^### \[ARCHITECT INSTRUCTION \| \d{4}-\d\d-\d\dT[\d:.]+Z\] ###\r([\s\S]*)\r###############################$/;

async function builderWith(farm: TestFarm, agent: RecordingAgent, task = 'listen'): Promise<Builder> {
  const builder: Builder = await farm.afJson(['spawn', '--task', task, '--builder-cmd', agent.command]);
  await agent.args();
  return builder;
}

async function send(farm: TestFarm, args: string[], cwd?: string) {
  return farm.af(['send', ...args], cwd);
}

/** The pastes typed into an agent, each with what followed it (Enter or not). */
function pastes(input: string): Array<{ text: string; enter: boolean }> {
  return input
    .split(PASTE_START)
    .slice(1)
    .map((part) => {
      const end = part.indexOf(PASTE_END);
      assert.ok(end >= 0, `a paste that never ended: ${JSON.stringify(part)}`);
      assert.not.ok(part.slice(0, end).includes(PASTE_START), 'no paste inside another');
      const after = part.slice(end + PASTE_END.length);
      assert.ok(after === '' || after === '\r', `only Enter follows a paste, got ${JSON.stringify(after)}`);
      return { text: part.slice(0, end), enter: after === '\r' };
    });
}

farmTest(
  'a multi-line message arrives as one paste, submitted once; 8 sent at once arrive whole',
  { tmux: true },
  async (farm) => {
    const agent = recordingAgent(farm.folder, 'agent', { paste: true });
    const builder = await builderWith(farm, agent);
    const message = 'Rebase on main.\nThen run "npm test" and fix what fails: $(not run) `nor this`\n\nReport back.';
    const sent = await send(farm, [builder.id, message]);
    assert.is(sent.code, 0, sent.stderr);
    assert.match(sent.stdout, `sent to builder ${builder.id}`);
    await agent.waitForInput(PASTE_END);
    await delay(300);
    const [first, ...others] = pastes(agent.input());
    assert.equal(others, []);
    assert.ok(first!.enter, 'Enter after the paste, as its own key');
    assert.is(WRAPPED.exec(first!.text)?.[1], message.replace(/\n/g, '\r'));

    const many = Array.from({ length: 8 }, (_, n) => `message ${n}: line one\nline two of message ${n}`);
    const results = await Promise.all(many.map((text) => send(farm, [builder.id, text])));
    assert.ok(
      results.every((result) => result.code === 0),
      results.map((result) => result.stderr).join(''),
    );
    await agent.waitForInput(PASTE_END, 9);
    await delay(300);
    const arrived = pastes(agent.input()).slice(1);
    assert.is(arrived.length, 8);
    assert.ok(arrived.every((paste) => paste.enter));
    assert.equal(
      arrived.map((paste) => WRAPPED.exec(paste.text)?.[1]).sort(),
      many.map((text) => text.replace(/\n/g, '\r')).sort(),
      'each whole, none merged',
    );
  },
);

farmTest(
  '--interrupt, --raw, --no-enter, --file, --all and the architect as a target',
  { tmux: true },
  async (farm) => {
    const architect = recordingAgent(farm.folder, 'architect', { paste: true });
    const started = await farm.af(['start', '--no-browser', '--architect-cmd', architect.command]);
    assert.is(started.code, 0, started.stderr);
    const one = recordingAgent(farm.folder, 'one', { paste: true });
    const two = recordingAgent(farm.folder, 'two', { paste: true });
    const first = await builderWith(farm, one);
    const second = await builderWith(farm, two);

    assert.is((await send(farm, [first.id, '--interrupt', '--raw', 'stop that'])).code, 0);
    await one.waitForInput(PASTE_END);
    await delay(300);
    assert.is(one.input(), `\x03${PASTE_START}stop that${PASTE_END}\r`, 'Ctrl-C first, no wrapper');

    assert.is((await send(farm, [second.id, '--raw', '--no-enter', 'typed, not sent'])).code, 0);
    await two.waitForInput(PASTE_END);
    await delay(300);
    assert.is(two.input(), `${PASTE_START}typed, not sent${PASTE_END}`, 'no Enter');

    const notes = join(farm.folder, 'notes.md');
    writeFileSync(notes, 'line 1\nline 2\n');
    assert.is((await send(farm, ['--all', '--raw', 'read this', '--file', notes])).code, 0);
    const attached = 'read this\r\rAttached content:\r```\rline 1\rline 2\r\r```';
    await one.waitForInput(attached);
    await two.waitForInput(attached);

    writeFileSync(notes, 'x'.repeat(48 * 1024 + 1));
    const before = [one.input(), two.input()];
    const tooLarge = await send(farm, [first.id, 'read this', '--file', notes]);
    assert.is(tooLarge.code, 1);
    assert.match(tooLarge.stderr, '(E_MESSAGE_TOO_LARGE)');

    // A builder answers from its worktree: the architect sees who wrote.
    const answer = await send(farm, ['architect', 'done, ready for review'], first.worktree);
    assert.is(answer.code, 0, answer.stderr);
    const heard = await architect.waitForInput(PASTE_END);
    assert.match(
      heard,
      new RegExp(
        `### \\[BUILDER ${first.id} MESSAGE \\| [^\\]]+\\] ###\\rdone, ready for review\\r#+${PASTE_END.replace('[', '\\[')}\\r`,
      ),
    );
    assert.equal([one.input(), two.input()], before, 'the refused message typed nothing');

    // A builder writing to another builder, or to all: the heading names it, and it does not message itself.
    assert.is((await send(farm, [second.id, 'from one builder to another'], first.worktree)).code, 0);
    await two.waitForInput(`### [BUILDER ${first.id} MESSAGE | `);
    const toAll = await send(farm, ['--all', 'to the others'], first.worktree);
    assert.is(toAll.code, 0, toAll.stderr);
    assert.not.match(toAll.stdout, `builder ${first.id}`);
    await two.waitForInput('to the others');
    assert.not.match(one.input(), 'to the others', 'the sender is left out');
  },
);

farmTest(
  'the message is taken as typed: standard input, numbers, a leading "-", and no terminal controls',
  { tmux: true },
  async (farm) => {
    const agent = recordingAgent(farm.folder, 'agent', { paste: true });
    const builder = await builderWith(farm, agent);
    const piped = await farm.af(['send', builder.id, '--raw', '-'], undefined, 'from standard input\nline two\n');
    assert.is(piped.code, 0, piped.stderr);
    await agent.waitForInput(`${PASTE_START}from standard input\rline two${PASTE_END}\r`);
    for (const text of ['007', '0x10', '1e3']) {
      assert.is((await send(farm, [builder.id, '--raw', text])).code, 0);
      await agent.waitForInput(`${PASTE_START}${text}${PASTE_END}\r`);
    }
    assert.is((await send(farm, [builder.id, '--raw', '--', '-n is the flag'])).code, 0);
    await agent.waitForInput(`${PASTE_START}-n is the flag${PASTE_END}\r`);

    const before = agent.input();
    for (const hostile of ['end the paste\x1b[201~and press\r', 'a bell \x07', 'a C1 \u009b2J']) {
      const refused = await send(farm, [builder.id, '--raw', '--no-enter', hostile]);
      assert.is(refused.code, 1, JSON.stringify(hostile));
      assert.match(refused.stderr, /control character U\+00[0-9A-F]{2}.*nothing was sent.*\(E_INVALID_INPUT\)/);
    }
    const missing = await send(farm, [builder.id, 'see', '--file', join(farm.folder, 'no-such-file')]);
    assert.match(missing.stderr, /does not exist; nothing was sent\. \(E_INVALID_INPUT\)/);
    await delay(300);
    assert.is(agent.input(), before, 'nothing refused was typed');
  },
);

farmTest(
  'sends to an unknown, an ended or a detached builder fail, and type nothing anywhere',
  { tmux: true },
  async (farm) => {
    const live = recordingAgent(farm.folder, 'live', { paste: true });
    const ended = recordingAgent(farm.folder, 'ended', { paste: true });
    const liveBuilder = await builderWith(farm, live);
    const endedBuilder = await builderWith(farm, ended);
    process.kill(endedBuilder.pid, 'SIGKILL');
    await delay(300);

    const unknown = await send(farm, ['task-9', 'hello']);
    assert.is(unknown.code, 1);
    assert.match(unknown.stderr, '(E_BUILDER_NOT_FOUND)');
    const toEnded = await send(farm, [endedBuilder.id, 'hello']);
    assert.is(toEnded.code, 1);
    assert.match(toEnded.stderr, '(E_NOT_RUNNING)');
    assert.match(toEnded.stderr, `af spawn --resume ${endedBuilder.id}`);
    assert.is(live.input(), '', 'nothing typed into the others');

    // --all reaches the builders that run and names the others.
    const all = await send(farm, ['--all', '--raw', 'to everyone']);
    assert.is(all.code, 1);
    assert.match(all.stdout, `sent to builder ${liveBuilder.id}`);
    assert.match(all.stderr, `not sent to builder ${endedBuilder.id}`);
    await live.waitForInput(`${PASTE_START}to everyone${PASTE_END}\r`);
  },
);

farmTest('without tmux a builder takes no typed input: the send is refused', { tmux: false }, async (farm) => {
  const agent = recordingAgent(farm.folder, 'agent');
  const builder = await builderWith(farm, agent);
  const refused = await send(farm, [builder.id, 'hello']);
  assert.is(refused.code, 1);
  assert.match(refused.stderr, /runs without tmux .* nothing was sent/);
  assert.match(refused.stderr, '(E_NOT_RUNNING)');
  assert.is(agent.input(), '');
});

farmTest('an agent reading plain lines (cat) gets the message whole, submitted once', { tmux: true }, async (farm) => {
  const received = join(farm.folder, 'received');
  const builder: Builder = await farm.afJson(['spawn', '--worktree', '--builder-cmd', `sh -c 'cat > ${received}'`]);
  const message = 'first line\nsecond line with "quotes" and $(dollars)\nthird';
  assert.is((await send(farm, [builder.id, '--raw', message])).code, 0);
  for (let n = 0; n < 100 && !(existsSync(received) && readFileSync(received, 'utf8').endsWith('third\n')); n++)
    await delay(50);
  assert.is(readFileSync(received, 'utf8'), `${message}\n`);
});

test.run();
