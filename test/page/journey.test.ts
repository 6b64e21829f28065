// The dashboard as a user walks it, start to finish, in a real headless Chromium on a
// real farm whose agents are interactive bash shells, asserting at each step what the
// user sees: an empty farm; New builder from the dialog and typing into it; a builder
// spawned from a shell, selected and typed into; a message from its card's box; `exit`
// in a builder and its pane saying it ended; Restart and typing again; Stop builder;
// Stop farm; `af start` and the page live again without a reload. Then the same walk
// after the dashboard is killed and `af dashboard` starts it again. Each step is
// photographed in light, dark and at 420 px into test-artifacts/journey/.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { isProcessAlive } from '../../lib/engine/io/process-alive.js';
import { launchBrowser, offMachine, watchedPage } from '../helpers/browser.js';
import {
  allText,
  architectFrame,
  builderFrame,
  CUT_CONNECTION,
  markPage,
  notReloaded,
  RAW_TMUX,
  screenOf,
  startFarm,
  typeAndSee,
} from '../helpers/dashboard-page.js';
import { farmTest, type TestFarm } from '../helpers/farm.js';
import { eventually } from '../helpers/tmux-server.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/journey/', import.meta.url));
const VIEWPORT = { width: 1280, height: 800 };

/** The page as it is now, in light, in dark and at 420 px, then as it was. */
async function photograph(page: Page, step: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${step}-light.png`) });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: join(ARTIFACTS, `${step}-dark.png`) });
  await page.setViewportSize({ width: 420, height: 800 });
  await page.screenshot({ path: join(ARTIFACTS, `${step}-420.png`) });
  await page.setViewportSize(VIEWPORT);
  await page.emulateMedia({ colorScheme: 'light' });
}

/** The walk from a farm with no builder to a farm started again, as each step is seen; `round` names its files. */
async function walk(page: Page, farm: TestFarm, round: string): Promise<void> {
  const step = (name: string) => photograph(page, `${round}-${name}`);
  await markPage(page);
  await page.locator('#tabs-empty').waitFor();
  await typeAndSee(page, architectFrame(page), 'architect');
  await step('01-empty-farm');

  // New builder, a task, from the dialog: its tab is selected and its terminal takes typing.
  await page.locator('#new-builder').click();
  const dialog = page.locator('#builder-dialog');
  await dialog.locator('input[name=mode][value=task]').check();
  await dialog.locator('textarea[name=task]').fill('Write the README');
  // Its id as the route answered it: ids whose worktree is left from an earlier round are held a moment and let go.
  const answered = page.waitForResponse(
    (response) => response.url().endsWith('/api/tabs/builder') && response.request().method() === 'POST',
  );
  await dialog.locator('button[type=submit]').click();
  const first = ((await (await answered).json()) as { id: string }).id;
  await page.locator(`#tab-builder-${first}[aria-selected=true]`).waitFor({ timeout: 30_000 });
  await typeAndSee(page, builderFrame(page, first), 'first');
  await step('02-new-builder-typed');

  // Another from a shell: it appears; selected, it takes typing too.
  const spawned = await farm.afJson(['spawn', '--task', 'Add the tests']);
  await page.locator(`#tab-builder-${spawned.id}`).click();
  const frame = builderFrame(page, spawned.id);
  await typeAndSee(page, frame, 'second');

  // A message from its card's box arrives in its terminal, whole, and is submitted.
  const panel = page.locator(`#panel-builder-${spawned.id}`);
  await panel.locator('.message-text').fill('echo from-the-box-$((2+3))');
  await panel.locator('.message-text').press('Control+Enter');
  await panel.locator('.message-result', { hasText: /^sent / }).waitFor();
  await eventually('the message run in the builder', async () => (await screenOf(frame)).includes('from-the-box-5'));
  await step('03-message-sent');

  // exit: the pane says it ended, the card offers Restart; no raw tmux error anywhere.
  await frame.locator('.xterm-screen').click();
  await page.keyboard.type('exit');
  await page.keyboard.press('Enter');
  await frame.locator('body[data-state="ended"]').waitFor({ state: 'attached', timeout: 10_000 });
  await panel.locator('.process-ended button', { hasText: 'Restart' }).waitFor();
  assert.not.match(await allText(page), RAW_TMUX);
  await step('04-builder-ended');

  // Restart: the same tab attached again, typable, with no reload.
  await panel.locator('.process-ended button', { hasText: 'Restart' }).click();
  await typeAndSee(page, frame, 'again');
  await step('05-restarted');

  // Stop builder: asked first; the page says what was kept.
  await panel.locator('.process-close').click();
  await page.locator('#confirm-dialog-submit').click();
  await page.locator('.notice', { hasText: `Builder ${spawned.id}` }).waitFor();
  await page.locator(`#tab-builder-${spawned.id}`).waitFor({ state: 'detached' });
  await step('06-builder-stopped');

  // Stop farm, then af start from a shell: the page is live again, without a reload.
  await page.locator('#stop-farm').click();
  await page.locator('#confirm-dialog-submit').click();
  await page.locator('#stopped').waitFor({ state: 'visible', timeout: 30_000 });
  await step('07-farm-stopped');
  const started = await farm.af(['start', '--no-browser']);
  assert.is(started.code, 0, started.stderr);
  await page.locator('#stopped').waitFor({ state: 'hidden', timeout: 10_000 });
  assert.is(await page.locator('#connection-text').textContent(), 'live');
  await typeAndSee(page, architectFrame(page), 'restarted');
  assert.ok(await notReloaded(page), 'no reload all along');
  await step('08-farm-started-again');
}

farmTest(
  'the walk: an empty farm to a farm started again, and again after the dashboard was killed',
  { tmux: true },
  async (farm) => {
    const url = await startFarm(farm);
    const browser = await launchBrowser();
    try {
      const { page, errors, requests } = await watchedPage(browser.browser, { viewport: VIEWPORT });
      await page.goto(url);
      await walk(page, farm, 'a');

      // The dashboard is killed outright, and af dashboard starts it again: the same walk.
      const { dashboard } = await farm.afJson(['status']);
      process.kill(dashboard.pid, 'SIGKILL');
      await eventually('the dashboard to end', () => !isProcessAlive(dashboard.pid));
      await page.locator('#connection.is-reconnecting').waitFor({ timeout: 10_000 });
      const again = await farm.af(['dashboard', '--no-browser']);
      assert.is(again.code, 0, again.stderr);
      await page.locator('#connection.is-live').waitFor({ timeout: 20_000 });
      await walk(page, farm, 'b');

      assert.equal(offMachine(requests), [], 'no request left the machine');
      assert.equal(
        errors.filter((line) => !CUT_CONNECTION.test(line)),
        [],
        'no console error but the connections cut while the dashboard was away',
      );
    } finally {
      await browser.close();
    }
  },
);

test.run();
