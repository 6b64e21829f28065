// The dashboard page in a real headless Chromium, on a real farm (tmux, the built
// `af`, its dashboard server): opened from the URL `af start` prints, it shows the
// architect and the builders, follows commits of other processes without a reload
// and without rebuilding what is on the screen, opens and closes shells and files,
// stops the farm after a confirmation, loads nothing from off the machine and logs
// no error. The light and dark screenshots in docs/ are taken here (written there
// with AF_UPDATE_SCREENSHOTS=1; else into the test's folder, so a test run leaves the
// committed pictures alone).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { StateStore } from '../../lib/state/store.js';
import type { Builder } from '../../lib/state/types.js';
import { launchBrowser, offMachine, type TestBrowser, type WatchedPage, watchedPage } from '../helpers/browser.js';
import { farmTest, type TestFarm } from '../helpers/farm.js';

const LONG = 'sleep 600';
/** The farm's commands, for af and for the dashboard's own routes (New builder, New shell). */
const CONFIG = {
  shell: {
    architect: `sh -c 'echo the architect is planning; exec ${LONG}'`,
    builder: `sh -c 'echo the builder is at work; exec ${LONG}'`,
    shell: LONG,
  },
};
const VIEWPORT = { width: 1280, height: 800 };
const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));
/** Chromium's own report of a terminal page's WebSocket that the server closed or refused. */
const TERMINAL_SOCKET_FAILED = /^WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/terminal\/[\w-]+\/socket' failed/;
const screenshotFolder = (farm: TestFarm) => (process.env.AF_UPDATE_SCREENSHOTS === '1' ? DOCS : farm.folder);

let shared: TestBrowser | undefined;
const browser = async () => {
  shared ??= await launchBrowser();
  return shared.browser;
};
test.after(async () => {
  await shared?.close();
});

interface Dashboard extends WatchedPage {
  farm: TestFarm;
  url: string;
}

/** A started farm and its dashboard open in the browser at the URL `af start` printed; all torn down afterwards. */
function dashboardTest(
  name: string,
  body: (dashboard: Dashboard) => Promise<void>,
  options: { colorScheme?: 'light' | 'dark'; before?: (farm: TestFarm) => Promise<void> } = {},
): void {
  farmTest(name, { tmux: true }, async (farm) => {
    mkdirSync(join(farm.project, 'codev', 'specs'), { recursive: true });
    writeFileSync(join(farm.project, 'codev', 'config.json'), JSON.stringify(CONFIG));
    writeFileSync(join(farm.project, 'codev', 'specs', '0042-login.md'), '# Login\n');
    const start = await farm.af(['start', '--no-browser']);
    assert.is(start.code, 0, `af start: ${start.stderr}`);
    const url = /^http:\/\/127\.0\.0\.1:\d+\/\S*token=\S+$/m.exec(start.stdout)?.[0];
    assert.ok(url, `af start prints the dashboard's URL on a line of its own:\n${start.stdout}`);
    await options.before?.(farm);
    const watched = await watchedPage(await browser(), { colorScheme: options.colorScheme, viewport: VIEWPORT });
    try {
      await watched.page.goto(url);
      await watched.page.waitForSelector('#architect-pane iframe');
      await body({ ...watched, farm, url });
      assert.equal(offMachine(watched.requests), [], 'no request left the machine');
    } finally {
      await watched.context.close();
    }
  });
}

const spawnTask = async (farm: TestFarm, task: string): Promise<Builder> => farm.afJson(['spawn', '--task', task]);

/** Writes a builder's row from this process, as a builder's own tools would. */
async function recordBuilder(farm: TestFarm, builder: Builder): Promise<void> {
  const store = await StateStore.open(join(farm.project, '.agent-farm', 'state.db'));
  try {
    await store.upsertBuilder(builder);
  } finally {
    await store.close();
  }
}

interface Marked {
  kept?: boolean;
}
/** Marks a node, to tell later that it is the same node: a node made again has no mark. */
const mark = (locator: Locator) =>
  locator.evaluate((node) => {
    (node as unknown as Marked).kept = true;
  });
const isMarked = (locator: Locator) => locator.evaluate((node) => (node as unknown as Marked).kept === true);

/** A node's text as in the DOM (textContent: what the page wrote, whatever the CSS). */
const textOf = async (locator: Locator) => (await locator.textContent()) ?? '';
const text = (page: Page, selector: string) => textOf(page.locator(selector));

/** The tab's panel, once it is the one shown. */
const panelOf = (page: Page, tabId: string) => page.locator(`#panel-${tabId}`);

interface Focus {
  tag: string;
  role: string;
  box: boolean;
  inArchitect: boolean;
}
/** What has the focus, as the dashboard sees it (a terminal with the focus is its IFRAME). */
const focused = (page: Page) =>
  page.evaluate<Focus>(`(() => {
    const node = document.activeElement;
    return {
      tag: node?.tagName ?? '',
      role: node?.getAttribute('role') ?? '',
      box: node?.classList.contains('frame-box') ?? false,
      inArchitect: !!node?.closest('#architect-pane'),
    };
  })()`);

/** The visible text of a terminal frame. */
const screenText = async (page: Page, frame: string) =>
  (await page.frameLocator(frame).locator('.xterm-rows').textContent()) ?? '';

async function untilScreenShows(page: Page, frame: string, wanted: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; !(await screenText(page, frame)).includes(wanted); ) {
    if (Date.now() > deadline)
      assert.unreachable(`"${wanted}" on the terminal's screen: ${await screenText(page, frame)}`);
    await page.waitForTimeout(100);
  }
}

/**
 * The keyboard path: Tab from the top reaches the tab list without entering a terminal,
 * Shift+Tab from the top does not wrap into one, the terminal's box shows a ring, Enter
 * types in it and the leave key leaves it without reaching its program.
 */
async function keyboardWalk(page: Page): Promise<void> {
  await page.locator('#new-builder').focus();
  const walk: Focus[] = [];
  for (let n = 0; n < 12 && walk.at(-1)?.role !== 'tab'; n++) {
    await page.keyboard.press('Tab');
    walk.push(await focused(page));
  }
  assert.is(walk.at(-1)?.role, 'tab', `Tab reaches the tab list: ${JSON.stringify(walk)}`);
  assert.not.ok(
    walk.some((step) => step.tag === 'IFRAME'),
    `Tab walks past the terminals: ${JSON.stringify(walk)}`,
  );
  assert.ok(
    walk.some((step) => step.box && step.inArchitect),
    "the architect's terminal box is on the way",
  );
  await page.locator('#new-builder').focus();
  for (let n = 0; n < 3; n++) {
    await page.keyboard.press('Shift+Tab');
    assert.is.not((await focused(page)).tag, 'IFRAME', 'Shift+Tab from the top does not wrap into a terminal');
  }

  const box = page.locator('#architect-pane .frame-box');
  const ring = () =>
    page.evaluate<string>("getComputedStyle(document.querySelector('#architect-pane .frame-box')).borderTopColor");
  await page.locator('#new-builder').focus();
  const without = await ring();
  await box.focus();
  await page.keyboard.press('Enter');
  assert.equal(await focused(page), { tag: 'IFRAME', role: '', box: false, inArchitect: true }, 'Enter types in it');
  assert.is.not(await ring(), without, 'the terminal with the focus has a ring');
  const frame = '#architect-pane iframe';
  await page.keyboard.type('before');
  await untilScreenShows(page, frame, 'before');
  await page.keyboard.press('Control+Shift+KeyE');
  // The terminal tells the dashboard by postMessage: the focus moves a moment after the key.
  await page
    .waitForFunction("document.activeElement?.classList.contains('frame-box')", undefined, { timeout: 5000 })
    .catch(() => undefined);
  assert.equal(
    await focused(page),
    { tag: 'DIV', role: 'group', box: true, inArchitect: true },
    "the leave key gives the focus to the terminal's box, in the dashboard",
  );
  assert.match(await text(page, '#status-keys'), 'Ctrl+Shift+E leaves a terminal', 'the page names the key');
  await page.keyboard.press('Enter');
  await page.keyboard.type('after');
  await untilScreenShows(page, frame, 'after');
  assert.match(await screenText(page, frame), 'beforeafter', 'the leave key never reached the program');
}

dashboardTest(
  'the printed URL opens the dashboard: the architect and the builders with their process and how to attach',
  async ({ page, farm, errors }) => {
    assert.match(await text(page, '#architect-pane .process-title'), 'Architect');
    assert.match(await text(page, '#architect-pane .liveness'), 'alive');
    assert.match(await text(page, '#architect-pane .attach-command'), /^tmux attach -t \S+$/);
    assert.is(await page.locator('#architect-pane iframe').getAttribute('src'), '/terminal/architect');

    const builders: Builder[] = (await farm.afJson(['status'])).builders;
    const tabs = page.locator('[role=tab]');
    assert.equal(
      await tabs.locator('.tab-title').allTextContents(),
      builders.map((builder) => builder.id),
      'a tab per builder, named by its id as af status, af send and af cleanup name it',
    );
    for (const [n, builder] of builders.entries()) {
      const tabId = `builder-${builder.id}`;
      await tabs.nth(n).click();
      assert.is(await tabs.nth(n).getAttribute('aria-selected'), 'true');
      const panel = panelOf(page, tabId);
      assert.is(await panel.isVisible(), true, 'its panel is shown');
      assert.match(await textOf(panel.locator('.badge')), builder.status);
      const facts = await textOf(panel.locator('.process-facts'));
      assert.match(facts, `branch${builder.branch}`);
      assert.match(facts, `worktree.builders/${builder.id}`, 'the worktree, inside the project');
      assert.match(await textOf(panel.locator('.liveness')), 'alive');
      assert.is(await textOf(panel.locator('.attach-command')), `tmux attach -t ${builder.tmuxSession}`);
      assert.is(await panel.locator('iframe').getAttribute('src'), `/terminal/${tabId}`);
    }
    // By keyboard: one tab in the Tab order, the arrows move the selection and the focus.
    await tabs.first().click();
    assert.is(await tabs.nth(1).getAttribute('aria-selected'), 'false');
    await page.keyboard.press('ArrowDown');
    assert.is(await tabs.nth(1).getAttribute('aria-selected'), 'true', 'ArrowDown selects the next tab');
    assert.is(await page.evaluate('document.activeElement.id'), await tabs.nth(1).getAttribute('id'));
    await page.keyboard.press('ArrowDown');
    assert.is(await tabs.first().getAttribute('aria-selected'), 'true', 'and wraps around');
    await page.keyboard.press('End');
    assert.is(await tabs.nth(1).getAttribute('aria-selected'), 'true', 'End selects the last');
    assert.equal(await tabs.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('tabindex'))), ['-1', '0']);
    assert.match(await text(page, '#status-builders'), /^2 builders/);
    assert.is(await page.locator('#tabs-empty').isHidden(), true);
    await keyboardWalk(page);
    assert.equal(errors, [], 'no console error');
  },
  {
    before: async (farm) => {
      await farm.afJson(['spawn', '--project', '0042']);
      await spawnTask(farm, 'Fix the login test');
    },
  },
);

dashboardTest(
  'a builder spawned by another process appears within 2 s, without a reload and without remaking what is shown',
  async ({ page, farm, errors }) => {
    assert.is(await page.locator('#tabs-empty').isVisible(), true, 'no builders yet: the page says how to spawn one');
    assert.match(await text(page, '#tabs-empty'), 'af spawn --task');
    const architectFrame = page.locator('#architect-pane iframe');
    await mark(page.locator('html'));
    await mark(architectFrame);
    const architectBox = await architectFrame.boundingBox();

    const first = await spawnTask(farm, 'The first task');
    const spawnedAt = Date.now();
    await page.locator(`#tab-builder-${first.id}`).waitFor({ timeout: 2000 });
    assert.ok(Date.now() - spawnedAt < 2000, 'the tab appeared within 2 s of af spawn ending');
    const firstFrame = panelOf(page, `builder-${first.id}`).locator('iframe');
    await firstFrame.waitFor();
    await mark(firstFrame);
    const firstBox = await firstFrame.boundingBox();

    const second = await spawnTask(farm, 'The second task');
    await page.locator(`#tab-builder-${second.id}`).waitFor({ timeout: 2000 });
    await recordBuilder(farm, { ...first, status: 'blocked', phase: 'waiting for review' });
    const firstTab = page.locator(`#tab-builder-${first.id}`);
    await page.locator(`#tab-builder-${first.id}[data-status=blocked]`).waitFor({ timeout: 2000 });
    assert.match(await textOf(firstTab), 'blocked');
    assert.is(await page.title(), '(1 waiting) project · agent farm', 'the window title names who waits');

    assert.ok(await isMarked(page.locator('html')), 'no reload');
    assert.ok(await isMarked(architectFrame), "the architect's terminal is the same element");
    assert.ok(await isMarked(firstFrame), "the shown builder's terminal is the same element");
    assert.equal(await architectFrame.boundingBox(), architectBox, 'nothing moved');
    assert.equal(await firstFrame.boundingBox(), firstBox, 'nothing moved');
    assert.is(await firstTab.getAttribute('aria-selected'), 'true', 'the selection stayed');
    assert.equal(errors, [], 'no console error');
  },
);

dashboardTest(
  'New builder and New shell open their tabs, selected and focused, by keyboard; Stop builder asks first; Close shell',
  async ({ page, farm, errors }) => {
    await page.locator('#new-builder').focus();
    await page.keyboard.press('Enter');
    await page.locator('#builder-dialog input[name=project]').waitFor();
    await page.keyboard.type('0042');
    await page.keyboard.press('Enter');
    await page.locator('#builder-dialog').waitFor({ state: 'hidden', timeout: 30_000 });
    const builderTab = page.locator('#tab-builder-0042');
    await builderTab.waitFor({ timeout: 2000 });
    assert.is(await builderTab.getAttribute('aria-selected'), 'true', 'the new builder is shown');
    assert.is(await page.evaluate('document.activeElement.id'), 'tab-builder-0042', 'and focused');
    const [builder] = (await farm.afJson(['status'])).builders as Builder[];
    assert.equal(
      [builder?.id, builder?.type, builder?.branch],
      ['0042', 'spec', 'builder/0042'],
      'as af spawn --project',
    );

    await panelOf(page, 'builder-0042').getByRole('button', { name: 'Stop builder…' }).click();
    const confirm = page.locator('#confirm-dialog');
    await confirm.waitFor({ state: 'visible' });
    assert.match(await textOf(confirm), 'Stop builder 0042?');
    await confirm.getByRole('button', { name: 'Stop builder', exact: true }).click();
    await builderTab.waitFor({ state: 'detached', timeout: 10_000 });
    assert.equal((await farm.afJson(['status'])).builders, [], 'the builder is gone from the state');

    await page.locator('#new-shell').focus();
    await page.keyboard.press('Enter');
    await page.locator('#shell-dialog input[name=name]').waitFor();
    await page.keyboard.type('logs');
    await page.keyboard.press('Enter');
    await page.locator('#shell-dialog').waitFor({ state: 'hidden', timeout: 10_000 });
    const tab = page.locator('[role=tab].tab-shell');
    await tab.waitFor({ timeout: 2000 });
    assert.is(await textOf(tab.locator('.tab-title')), 'logs');
    assert.is(await tab.getAttribute('aria-selected'), 'true', 'the new shell is shown');
    assert.is(await page.evaluate('document.activeElement.id'), await tab.getAttribute('id'), 'and focused');
    const tabId = (await tab.getAttribute('id'))!.slice('tab-'.length);
    const panel = panelOf(page, tabId);
    assert.is(await panel.locator('iframe').getAttribute('src'), `/terminal/${tabId}`);
    const status = await farm.afJson(['status']);
    assert.equal(
      status.utils.map((util: { name: string }) => util.name),
      ['logs'],
      'af status sees the shell the page opened',
    );

    await panel.getByRole('button', { name: 'Close shell' }).click();
    await tab.waitFor({ state: 'detached', timeout: 5000 });
    assert.is(await page.locator('#tabs-empty').isVisible(), true, 'no tabs left: the empty state again');
    assert.equal((await farm.afJson(['status'])).utils, [], 'the shell is gone from the state');
    assert.equal(errors, [], 'no console error');
  },
);

dashboardTest(
  'Open file shows the file in its tab; a path outside the project is refused in the dialog',
  async ({ page, farm, errors }) => {
    await page.locator('#open-file').click();
    writeFileSync(join(farm.folder, 'outside.txt'), 'not for the dashboard\n');
    await page.locator('#file-dialog input[name=path]').fill('../outside.txt');
    await page.keyboard.press('Enter');
    const error = page.locator('#file-dialog .dialog-error');
    await error.waitFor({ state: 'visible' });
    assert.match(await textOf(error), /outside|project/i, 'the refusal is shown where the path was typed');
    assert.is(await page.locator('#file-dialog').getAttribute('open'), '', 'the dialog stays open to correct it');
    await page.locator('#file-dialog input[name=path]').fill('.agent-farm/secret');
    await page.keyboard.press('Enter');
    await page.locator('#file-dialog .dialog-error', { hasText: "farm's own folder" }).waitFor({ timeout: 5000 });
    assert.match(await textOf(error), 'E_FORBIDDEN', "the farm's secret is refused, and the dialog says why");
    assert.equal(
      errors.filter((line) => !/status of 403/.test(line)),
      [],
      'no console error but the refused request',
    );
    errors.length = 0;

    await page.locator('#file-dialog input[name=path]').fill('notes.md');
    await page.keyboard.press('Enter');
    await page.locator('#file-dialog').waitFor({ state: 'hidden', timeout: 10_000 });
    const tab = page.locator('[role=tab].tab-file');
    await tab.waitFor({ timeout: 2000 });
    assert.is(await tab.getAttribute('aria-selected'), 'true', 'the file is shown');
    assert.is(await textOf(tab.locator('.tab-title')), 'notes.md');
    const tabId = (await tab.getAttribute('id'))!.slice('tab-'.length);
    const frame = page.frameLocator(`#panel-${tabId} iframe`);
    await frame.locator('body').getByText('NOTES-4f2a').waitFor({ timeout: 5000 });
    assert.equal((await farm.afJson(['status'])).annotations.length, 1);
    assert.equal(errors, [], 'no console error');
  },
  { before: async (farm) => writeFileSync(join(farm.project, 'notes.md'), 'the notes: NOTES-4f2a\n') },
);

dashboardTest('Stop farm asks first, then stops everything and says so', async ({ page, farm, errors }) => {
  await page.locator('#stop-farm').click();
  const dialog = page.locator('#confirm-dialog');
  await dialog.waitFor({ state: 'visible' });
  assert.match(await textOf(dialog), 'Stop the farm?');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.ok((await farm.afJson(['status'])).architect, 'cancelled: the farm runs on');

  await page.locator('#stop-farm').click();
  await dialog.getByRole('button', { name: 'Stop farm' }).click();
  await page.locator('#stopped').waitFor({ state: 'visible', timeout: 30_000 });
  assert.match(await text(page, '#stopped'), 'The farm is stopped');
  assert.match(await text(page, '#stopped-list'), 'architect');
  assert.is(await text(page, '#connection-text'), 'stopped');
  assert.is(await page.locator('iframe').count(), 0, 'no terminal left to show');
  assert.is(await page.locator('#new-shell').isDisabled(), true);
  const status = await farm.afJson(['status']);
  assert.is(status.architect, null, 'af status: nothing runs');
  assert.equal(farm.tmuxSessions(), [], 'no tmux session left');
  assert.equal(errors, [], 'no console error');
});

dashboardTest(
  'an unreadable state.db is shown as a problem over the last good state; a dead server as reconnecting, until it is back',
  async ({ page, farm, errors }) => {
    const db = join(farm.project, '.agent-farm', 'state.db');
    const good = readFileSync(db);
    const problem = page.locator('#problem');
    assert.is(await problem.isHidden(), true);
    writeFileSync(db, Buffer.concat([Buffer.from('this is not a database at all'), Buffer.alloc(4096)]));
    await problem.waitFor({ state: 'visible', timeout: 5000 });
    assert.match(await textOf(problem), /E_NOT_SQLITE|E_CORRUPT/);
    assert.is(await page.locator('[role=tab]').count(), 1, 'the last good state stays on the screen');
    writeFileSync(db, good);
    await problem.waitFor({ state: 'hidden', timeout: 5000 });
    assert.equal(
      errors.filter((line) => !TERMINAL_SOCKET_FAILED.test(line)),
      [],
      "no console error but a terminal's socket refused while the state could not be read",
    );

    const { dashboard } = await farm.afJson(['status']);
    process.kill(dashboard.pid, 'SIGKILL');
    const connection = page.locator('#connection-text');
    await page.locator('#connection.is-reconnecting').waitFor({ timeout: 5000 });
    assert.match(await textOf(connection), /^reconnecting… \(state of .+\)$/);
    const revived = await farm.afJson(['dashboard', '--no-browser']);
    assert.is.not(revived.pid, dashboard.pid);
    await page.locator('#connection.is-live').waitFor({ timeout: 15_000 });
    await spawnTask(farm, 'After the restart');
    await page.locator('[role=tab]').nth(1).waitFor({ timeout: 2000 });
    assert.ok(
      // The browser reports the cut stream, the refused reconnections and the terminals' lost sockets itself.
      errors.every(
        (line) =>
          /net::ERR_(INCOMPLETE_CHUNKED_ENCODING|CONNECTION_REFUSED)/.test(line) || TERMINAL_SOCKET_FAILED.test(line),
      ),
      `no console error but the failed reconnections: ${errors.join('\n')}`,
    );
  },
  { before: async (farm) => void (await spawnTask(farm, 'Before the trouble')) },
);

/** The file tab's text has a colour of its own against its background (computed in the file's frame). */
async function fileTextReadable(page: Page): Promise<void> {
  await page.locator('[role=tab].tab-file').click();
  await page.frameLocator('.tabpanel:not([hidden]) iframe.frame-file').getByText('# Notes').waitFor({ timeout: 5000 });
  const frame = page.frames().find((candidate) => new URL(candidate.url()).pathname.startsWith('/file/'))!;
  const [color, background] = await frame.evaluate<string[]>(
    "[getComputedStyle(document.querySelector('pre')).color, getComputedStyle(document.documentElement).backgroundColor]",
  );
  assert.is.not(color, background, `the file's text (${color}) stands out from its background`);
  assert.is.not(background, 'rgba(0, 0, 0, 0)', 'the file paints its own background');
  await page.locator('[role=tab]').nth(1).click();
}

/** Dragged to either end, the splitter leaves the architect's title and the builder's Stop button in sight. */
async function splitterKeepsTheCards(page: Page): Promise<void> {
  const stop = page.locator('.tabpanel:not([hidden]) .process-close');
  for (const x of [1, VIEWPORT.width - 1]) {
    const bar = (await page.locator('#splitter').boundingBox())!;
    await page.mouse.move(bar.x + bar.width / 2, bar.y + bar.height / 2);
    await page.mouse.down();
    await page.mouse.move(x, bar.y + bar.height / 2, { steps: 4 });
    await page.mouse.up();
    for (const [what, locator] of [
      ['the Stop button', stop],
      ["the builder's title", page.locator('.tabpanel:not([hidden]) .process-title')],
      ["the architect's title", page.locator('#architect-pane .process-title')],
    ] as const) {
      const box = (await locator.boundingBox())!;
      const pane = (await locator
        .locator('xpath=ancestor::section[contains(concat(" ", @class, " "), " pane ")][1]')
        .boundingBox())!;
      assert.ok(
        box.width >= 40 && box.x >= pane.x && box.x + box.width <= pane.x + pane.width + 0.5,
        `splitter at ${x}: ${what} is whole in its pane (${JSON.stringify(box)} in ${JSON.stringify(pane)})`,
      );
    }
    await stop.click({ trial: true });
    const share = Number(await page.locator('#splitter').getAttribute('aria-valuenow'));
    assert.ok(x === 1 ? share < 30 : share > 50, `the splitter moved to its end: ${share}%`);
  }
}

/** At 420 px the page fits its width: the header wraps, the tabs become a strip, Stop farm can be clicked. */
async function narrowWindow(page: Page, screenshot: string): Promise<void> {
  await page.setViewportSize({ width: 420, height: 800 });
  const widths = await page.evaluate<number[]>('[document.documentElement.scrollWidth, window.innerWidth]');
  assert.ok(widths[0]! <= widths[1]!, `no sideways scrolling at 420 px: scrollWidth ${widths[0]}, window ${widths[1]}`);
  const stopFarm = page.locator('#stop-farm');
  const box = (await stopFarm.boundingBox())!;
  assert.ok(box.x >= 0 && box.x + box.width <= 420, `Stop farm is in the window: ${JSON.stringify(box)}`);
  await stopFarm.click({ trial: true });
  assert.is(await page.locator('#tablist').getAttribute('aria-orientation'), 'horizontal', 'the tabs are a strip');
  const terminal = (await page.locator('.tabpanel:not([hidden]) .frame-box').boundingBox())!;
  assert.ok(terminal.width >= 380, `the terminal gets most of the width: ${terminal.width} px`);
  await page.waitForTimeout(500);
  await page.screenshot({ path: screenshot });
  await page.setViewportSize(VIEWPORT);
  await page.locator('#tablist[aria-orientation=vertical]').waitFor();
}

for (const colorScheme of ['light', 'dark'] as const) {
  dashboardTest(
    `a screenshot, ${colorScheme}: docs/dashboard-${colorScheme}.png`,
    async ({ page, farm, errors }) => {
      await page.locator('[role=tab]').first().waitFor();
      await page.locator('[role=tab]').nth(1).click();
      // Let the terminals draw what their processes printed.
      await page.waitForTimeout(1500);
      await page.mouse.move(0, VIEWPORT.height - 1);
      await page.screenshot({ path: join(screenshotFolder(farm), `dashboard-${colorScheme}.png`) });
      await fileTextReadable(page);
      await splitterKeepsTheCards(page);
      await narrowWindow(page, join(screenshotFolder(farm), `dashboard-${colorScheme}-420.png`));
      assert.equal(errors, [], 'no console error');
    },
    {
      colorScheme,
      before: async (farm) => {
        writeFileSync(join(farm.project, 'notes.md'), '# Notes\n');
        await farm.afJson(['spawn', '--project', '0042']);
        await spawnTask(farm, 'Fix the flaky login test');
        const blocked = await spawnTask(farm, 'Update the API docs');
        await recordBuilder(farm, { ...blocked, status: 'blocked', phase: 'waiting for review' });
        await farm.afJson(['util', '--name', 'logs']);
        await farm.afJson(['annotate', 'notes.md']);
      },
    },
  );
}

test.run();
