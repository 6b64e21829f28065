// The web terminal end to end: `af start` and `af spawn` in a real farm with tmux,
// headless Chromium on the dashboard's terminal page of the builder. What is typed
// there runs in the builder's tmux session; less pages and quits; a second page sees
// the same screen; the screenshot in docs/terminal.png comes from here (AF_UPDATE_SCREENSHOTS=1).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { farmTest, type TestFarm } from '../helpers/farm.js';
import { launchBrowser, offMachine, type TestBrowser, watchedPage } from '../helpers/browser.js';
import { eventually } from '../helpers/tmux-server.js';

const SCREENSHOT = fileURLToPath(new URL('../../docs/terminal.png', import.meta.url));
const SHELL = "env PS1='$ ' bash --norc --noprofile -i";
const LONG = 'sleep 600';

let browser: TestBrowser;
test.before(async () => {
  browser = await launchBrowser();
});
test.after(async () => {
  await browser.close();
});

function tmuxOf(farm: TestFarm) {
  return (...args: string[]) =>
    execFileSync('tmux', args, { env: { ...process.env, TMUX_TMPDIR: farm.folder, TMUX: '' }, encoding: 'utf8' });
}

/** The terminal's visible rows as the page renders them. */
// biome-ignore lint/performance/useDomNodeTextContent: the rows' line breaks come from the layout
const screenOf = (page: Page) => page.locator('.xterm-rows').innerText();

async function openTerminal(url: string, tab: string, colorScheme: 'light' | 'dark' = 'dark', state = 'connected') {
  const watched = await watchedPage(browser.browser, { colorScheme, viewport: { width: 960, height: 540 } });
  // The printed URL's token, on the terminal page's own URL, becomes the cookie (and the page is loaded again without it).
  const page = new URL(`/terminal/${tab}`, url);
  page.search = new URL(url).search;
  await watched.page.goto(page.href);
  await watched.page.waitForSelector(`body[data-state="${state}"]`, { state: 'attached' }).catch(async (error) => {
    const status = await watched.page.locator('#status').textContent();
    throw new Error(`${error}\nstatus: ${status}\nerrors: ${watched.errors.join('\n')}`);
  });
  return watched;
}

farmTest(
  'a builder’s terminal in the browser: typing, less, a second page, a screenshot',
  { tmux: true },
  async (farm) => {
    const started = await farm.afJson(['start', '--no-browser', '--architect-cmd', LONG]);
    const builder = await farm.afJson(['spawn', '--worktree', '--builder-cmd', SHELL]);
    const tmux = tmuxOf(farm);
    const capture = () => tmux('capture-pane', '-p', '-t', `=${builder.tmuxSession}:`);
    const tab = `builder-${builder.id}`;
    const first = await openTerminal(started.dashboard.url, tab);
    const { page } = first;

    const marker = `web-${Math.random().toString(36).slice(2, 10)}`;
    await page.keyboard.type(`echo ${marker} été 世界`);
    await page.keyboard.press('Enter');
    await eventually('the echo on the page', async () => (await screenOf(page)).includes(`\n${marker} été 世界`));
    await eventually('the echo in tmux', () => capture().includes(`\n${marker} été 世界`));

    const file = join(farm.folder, 'pages.txt');
    writeFileSync(file, Array.from({ length: 300 }, (_, i) => `page line ${i + 1}`).join('\n'));
    await page.keyboard.type(`less ${file}`);
    await page.keyboard.press('Enter');
    await eventually('less on the page', async () => (await screenOf(page)).includes('page line 1\n'));
    await page.keyboard.press('PageDown');
    const firstLine = async () => (await screenOf(page)).split('\n')[0];
    await eventually('the next page in less, in tmux and on the page', async () => {
      return !capture().includes('page line 1\n') && (await firstLine()) !== 'page line 1';
    });
    const paged = await screenOf(page);
    const shown = /page line (\d+)/.exec(paged);
    assert.ok(shown && Number(shown[1]) > 1, `less paged down: ${paged.slice(0, 80)}`);

    // A second page joins while less is on the alternate screen: it sees the same lines.
    const second = await openTerminal(started.dashboard.url, tab, 'light');
    await eventually('the same screen on the second page', async () =>
      (await screenOf(second.page)).includes(`page line ${shown![1]}\n`),
    );
    await page.keyboard.press('q');
    await eventually('the prompt back on both pages', async () => {
      const [one, two] = [await screenOf(page), await screenOf(second.page)];
      return one.includes(`${marker} été 世界`) && two.includes(`${marker} été 世界`) && !two.includes('page line');
    });

    // The dashboard restarts: the page says it lost the connection, reconnects by itself and shows the screen again.
    await second.context.close();
    assert.equal(first.errors, [], 'no console errors before the restart');
    const before = await farm.afJson(['status']);
    process.kill(before.dashboard.pid, 'SIGTERM');
    await page.waitForSelector('body[data-state="reconnecting"]', { state: 'attached' });
    const restarted = await farm.afJson(['dashboard']);
    assert.ok(restarted.started && restarted.pid !== before.dashboard.pid, 'a new dashboard process');
    await page.waitForSelector('body[data-state="connected"]', { state: 'attached', timeout: 20_000 });
    await eventually('the screen after the reconnection', async () =>
      (await screenOf(page)).includes(`${marker} été 世界`),
    );
    // Chromium logs each refused attempt while the server is down; nothing else.
    const lost = first.errors.splice(0);
    assert.equal(
      lost.filter((error) => !error.includes('WebSocket connection')),
      [],
      'only the lost connection',
    );

    // The screenshot: a smaller frame (the pane follows it), colours and a full-screen program's leftovers cleared.
    await page.setViewportSize({ width: 820, height: 260 });
    await eventually('the pane to follow the frame', () => capture().split('\n').length < 20);
    await page.keyboard.type('clear; git -c color.ui=always log --oneline --decorate -1');
    await page.keyboard.press('Enter');
    await page.keyboard.type(
      "printf '\\033[1;32mgreen\\033[0m \\033[33myellow\\033[0m \\033[7mreversed\\033[0m ✓ é ü ß\\n'",
    );
    await page.keyboard.press('Enter');
    await eventually('the colours', async () => (await screenOf(page)).includes('green yellow reversed ✓ é ü ß'));
    // Into docs/ only when asked (AF_UPDATE_SCREENSHOTS=1), so a test run leaves the work tree as it was.
    const screenshot = process.env.AF_UPDATE_SCREENSHOTS === '1' ? SCREENSHOT : join(farm.folder, 'terminal.png');
    mkdirSync(join(screenshot, '..'), { recursive: true });
    await page.screenshot({ path: screenshot });

    for (const watched of [first, second]) {
      assert.equal(watched.errors, [], 'no console errors');
      assert.equal(offMachine(watched.requests), [], 'nothing requested off the machine');
    }
    await first.context.close();
  },
);

farmTest('without tmux the architect’s log is shown live, read-only, saying why', { tmux: false }, async (farm) => {
  const command = "sh -c 'echo first-from-log; sleep 2; echo later-from-log; exec sleep 600'";
  const started = await farm.afJson(['start', '--no-browser', '--architect-cmd', command]);
  const watched = await openTerminal(started.dashboard.url, 'architect', 'dark', 'read-only');
  const { page } = watched;
  let sockets = 0;
  page.on('websocket', () => sockets++);
  await page.reload();
  await page.waitForSelector('body[data-state="read-only"]', { state: 'attached' });
  const status = await page.locator('#status').textContent();
  assert.match(status ?? '', 'read-only');
  assert.match(status ?? '', 'no tmux: this process runs detached; its output is shown from its log');
  await eventually('the log', async () => (await screenOf(page)).includes('first-from-log'));
  await page.keyboard.type('typed');
  // Each line of the log starts at the left, as in a terminal.
  await eventually('the log going on', async () =>
    (await screenOf(page)).split('\n').some((line) => line.startsWith('later-from-log')),
  );
  assert.not.match(await screenOf(page), 'typed', 'nothing typed reaches the page or the process');
  assert.is(await page.locator('body').getAttribute('data-state'), 'read-only');
  assert.is(sockets, 1, 'the page sent nothing the server refused: one connection all along');
  assert.equal(watched.errors, []);
  await watched.context.close();
});

test.run();
