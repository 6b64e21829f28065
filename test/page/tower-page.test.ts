// The tower page in a real headless Chromium, on two real farms that share one port
// registry: opened from the URL `af tower start` prints, it lists both with their
// block and processes, opens each farm's dashboard signed in, follows a farm stopped
// from a terminal without a reload, stops a farm and starts one in a folder typed
// with the server's suggestions, loads nothing from off the machine and logs no error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { StateStore } from '../../lib/state/store.js';
import type { Builder } from '../../lib/state/types.js';
import { launchBrowser, offMachine, type TestBrowser, watchedPage } from '../helpers/browser.js';
import { deadPid, type TestFarm } from '../helpers/farm.js';
import { startFarm, towerTest } from '../helpers/tower.js';

/** Generous: the machine may be busy with other tests; the stream pushes changes within 250 ms. */
const LIVE_MS = 30_000;

let shared: TestBrowser | undefined;
test.after(async () => {
  await shared?.close();
});

const cardOf = (page: Page, farm: TestFarm) => page.locator(`li.farm[data-base-port="${farm.basePort}"]`);
const textOf = async (locator: Locator) => (await locator.textContent()) ?? '';

/** Waits until the card's facts read `pattern`. */
async function factsRead(card: Locator, pattern: RegExp): Promise<void> {
  await card.locator('.farm-facts').filter({ hasText: pattern }).waitFor({ timeout: LIVE_MS });
}

/** A builder row whose process is gone, written as a builder's own tools would. */
async function recordDeadBuilder(farm: TestFarm, builder: Builder): Promise<void> {
  const store = await StateStore.open(join(farm.project, '.agent-farm', 'state.db'));
  try {
    await store.upsertBuilder({
      ...builder,
      id: 'gone',
      port: builder.port + 1,
      pid: deadPid(),
      tmuxSession: undefined,
    });
  } finally {
    await store.close();
  }
}

towerTest(
  'the tower lists every farm with its state, opens each dashboard signed in, follows them live',
  async (towers) => {
    const [alpha, beta] = towers.farms;
    await startFarm(alpha);
    await startFarm(beta);
    const builder: Builder = await alpha.afJson(['spawn', '--task', 'write the README']);
    await recordDeadBuilder(alpha, builder);
    const url = await towers.startTower();

    shared ??= await launchBrowser();
    const { page, context, requests, errors } = await watchedPage(shared.browser);
    try {
      await page.goto(url);
      assert.is(new URL(page.url()).search, '', 'the secret left the address bar for a cookie');
      const cards = page.locator('li.farm');
      await cards.nth(1).waitFor();
      assert.is(await cards.count(), 2);
      for (const [farm, builders] of [
        [alpha, 'builders 1 alive, 1 dead'],
        [beta, 'builders 0 alive, 0 dead'],
      ] as const) {
        const card = cardOf(page, farm);
        assert.is(await textOf(card.locator('.farm-path')), farm.project);
        assert.is(await textOf(card.locator('.farm-name')), 'project');
        const facts = await textOf(card.locator('.farm-facts'));
        assert.match(facts, `ports ${farm.basePort}–${farm.basePort + 99}`);
        assert.match(facts, /dashboard running \(pid \d+\)/);
        assert.match(facts, /architect running \(pid \d+\)/);
        assert.match(facts, builders);
      }

      // Each link opens that farm's dashboard, signed in: its page loads the architect's terminal.
      for (const farm of [alpha, beta]) {
        const [dashboard] = await Promise.all([
          context.waitForEvent('page'),
          cardOf(page, farm).locator('a.open-dashboard').click(),
        ]);
        await dashboard.waitForSelector('#architect-pane iframe', { timeout: LIVE_MS });
        assert.is(new URL(dashboard.url()).port, String(farm.basePort));
        assert.match(await textOf(dashboard.locator('#status-root')), farm.project);
        await dashboard.close();
      }

      // Stopped from a terminal: the page follows without a reload, in place (the other card, and the focus, stay).
      const alphaStop = cardOf(page, alpha).locator('button.stop-farm');
      await alphaStop.focus();
      await cardOf(page, alpha).evaluate((node) => node.setAttribute('data-kept', ''));
      const stopped = await beta.af(['stop']);
      assert.is(stopped.code, 0, stopped.stderr);
      await factsRead(cardOf(page, beta), /dashboard stopped.*architect stopped/);
      assert.is(await cardOf(page, alpha).getAttribute('data-kept'), '', 'the same card');
      assert.is(
        await page.evaluate(
          "document.activeElement.matches('button.stop-farm') && document.activeElement.closest('li').dataset.basePort",
        ),
        String(alpha.basePort),
        'the focus stayed',
      );
      assert.is(
        await cardOf(page, beta).locator('a.open-dashboard').isHidden(),
        true,
        'no link to a stopped dashboard',
      );

      // Stopped from the page, after a confirmation: through the same code as af stop.
      await cardOf(page, alpha).locator('button.stop-farm').click();
      await page.locator('#stop-dialog [type=submit]').click();
      await factsRead(cardOf(page, alpha), /dashboard stopped.*architect stopped.*builders 0 alive, 0 dead/);
      assert.match(await textOf(page.locator('#notices')), 'Stopped the farm project');
      assert.is((await alpha.afJson(['status'])).architect, null, 'af status agrees');

      // Started again from the page, in a folder typed with the server's suggestions.
      const input = page.locator('#launch-path');
      await input.fill(join(beta.folder, 'pro'));
      await page
        .locator(`#launch-suggestions option[value="${beta.project}"]`)
        .waitFor({ state: 'attached', timeout: LIVE_MS });
      await input.fill(beta.project);
      await page.locator('#launch-submit').click();
      await factsRead(cardOf(page, beta), /dashboard running.*architect running/);
      assert.ok((await beta.afJson(['status'])).architect.pid > 0, 'af status shows its architect');

      // The tower stopped: the page says it lost the stream.
      const ended = await alpha.af(['tower', 'stop']);
      assert.match(ended.stdout, /^tower \(pid \d+\): stopped$/m);
      await page.locator('#connection.is-reconnecting').waitFor({ timeout: LIVE_MS });

      assert.equal(offMachine(requests), [], 'no request left the machine');
      const unexpected = errors.filter((error) => !/ERR_CONNECTION_REFUSED|net::ERR|api\/events/.test(error));
      assert.equal(unexpected, [], 'no error in the page');
    } finally {
      await context.close();
    }
  },
);

towerTest('the page says when the port registry cannot be read, and lists the farms once it can', async (towers) => {
  const url = await towers.startTower();
  shared ??= await launchBrowser();
  const { page, context, errors } = await watchedPage(shared.browser);
  try {
    await page.goto(url);
    await page.locator('#problem').waitFor();
    assert.match(await textOf(page.locator('#problem-text')), 'E_NO_DATABASE');
    await startFarm(towers.farms[0]);
    await cardOf(page, towers.farms[0]).waitFor({ timeout: LIVE_MS });
    assert.is(await page.locator('#problem').isHidden(), true, 'the problem is gone');
    assert.equal(errors, []);
  } finally {
    await context.close();
  }
});

test.run();
