// The dashboard's panes follow their processes, in a real headless Chromium on a real
// farm (tmux, the built `af`, its dashboard server) whose agents are interactive bash
// shells: a builder spawned while the page is open becomes typable without a reload,
// an architect started again is attached again, a stopped farm's page follows the
// next `af start`, and a process that ended says so, with its last screen when tmux
// kept it, in a sentence and never in tmux's own words; a builder resumed is attached again.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import type { Builder } from '../../lib/state/types.js';
import { launchBrowser, type TestBrowser, type WatchedPage, watchedPage } from '../helpers/browser.js';
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
  statusOf,
  typeAndSee,
} from '../helpers/dashboard-page.js';
import { farmTest, type TestFarm } from '../helpers/farm.js';
import { eventually } from '../helpers/tmux-server.js';

let shared: TestBrowser | undefined;
test.after(async () => {
  await shared?.close();
});

interface Dashboard extends WatchedPage {
  farm: TestFarm;
}

/** A farm started with bash as every agent, its dashboard open at the URL `af start` printed. */
function panesTest(name: string, body: (dashboard: Dashboard) => Promise<void>): void {
  farmTest(name, { tmux: true }, async (farm) => {
    const url = await startFarm(farm);
    shared ??= await launchBrowser();
    const watched = await watchedPage(shared.browser);
    try {
      await watched.page.goto(url);
      await watched.page.waitForSelector('#architect-pane iframe');
      await body({ ...watched, farm });
    } finally {
      await watched.context.close();
    }
  });
}

panesTest(
  'a builder spawned while the page is open becomes typable without a reload: by af spawn, then by New builder',
  async ({ page, farm, errors }) => {
    await markPage(page);
    assert.is(await page.locator('#tabs-empty').isVisible(), true, 'no tabs yet');
    const spawned: Builder = await farm.afJson(['spawn', '--task', 'x']);
    await page.locator(`#tab-builder-${spawned.id}[aria-selected=true]`).waitFor({ timeout: 5000 });
    await typeAndSee(page, builderFrame(page, spawned.id), 'hi');

    await page.locator('#new-builder').click();
    await page.locator('#builder-dialog input[name=project]').fill('0042');
    await page.keyboard.press('Enter');
    await page.locator('#tab-builder-0042[aria-selected=true]').waitFor({ timeout: 30_000 });
    await typeAndSee(page, builderFrame(page, '0042'), 'hey');
    assert.ok(await notReloaded(page), 'no reload');
    assert.equal(errors, [], 'no console error');
  },
);

panesTest(
  'the architect exits: its pane says so over its last screen; af start again: attached again; Stop farm, af start: live again',
  async ({ page, farm, errors }) => {
    await markPage(page);
    const frame = architectFrame(page);
    await typeAndSee(page, frame, 'first');
    await page.keyboard.type('echo bye-$((6*7)); exit');
    await page.keyboard.press('Enter');
    await frame.locator('body[data-state="ended"]').waitFor({ state: 'attached', timeout: 5000 });
    assert.is(await statusOf(frame), 'ended — the architect has ended: its last screen is shown.');
    await eventually('its last screen', async () => (await screenOf(frame)).includes('bye-42'));
    assert.match((await page.locator('#architect-pane .liveness').textContent()) ?? '', 'dead');

    const again = await farm.af(['start', '--no-browser']);
    assert.is(again.code, 0, again.stderr);
    await typeAndSee(page, frame, 'second');
    assert.not.match(await screenOf(frame), 'bye-42', 'the new architect’s screen');

    await page.locator('#stop-farm').click();
    await page.locator('#confirm-dialog').getByRole('button', { name: 'Stop farm' }).click();
    await page.locator('#stopped').waitFor({ state: 'visible', timeout: 30_000 });
    const restarted = await farm.af(['start', '--no-browser']);
    assert.is(restarted.code, 0, restarted.stderr);
    await page.locator('#stopped').waitFor({ state: 'hidden', timeout: 5000 });
    assert.is(await page.locator('#connection-text').textContent(), 'live');
    assert.is(await page.locator('#new-builder').isDisabled(), false, 'the farm’s buttons work again');
    await typeAndSee(page, frame, 'third');
    assert.ok(await notReloaded(page), 'no reload all along');
    assert.equal(
      errors.filter((line) => !CUT_CONNECTION.test(line)),
      [],
      'no console error but the connections cut while the farm was stopped',
    );
  },
);

panesTest(
  'a builder whose program exited: ended with its last screen; once its session is gone, a sentence and no attach command; resumed: attached again',
  async ({ page, farm, errors }) => {
    const builder: Builder = await farm.afJson(['spawn', '--task', 'y']);
    const frame = builderFrame(page, builder.id);
    await typeAndSee(page, frame, 'hi');
    await page.keyboard.type('echo bye-$((6*7)); exit');
    await page.keyboard.press('Enter');
    await frame.locator('body[data-state="ended"]').waitFor({ state: 'attached', timeout: 5000 });
    assert.is(await statusOf(frame), `ended — builder ${builder.id} has ended: its last screen is shown.`);
    // The sentence sits on the last line (tmux's own "Pane is dead"), leaving the top of the last screen readable.
    const [sentence, screen] = await Promise.all(
      [frame.locator('#status'), frame.locator('.xterm-screen')].map((element) => element.boundingBox()),
    );
    assert.ok(sentence!.y > screen!.y + screen!.height / 2, `the sentence at ${sentence!.y}, the screen ${screen!.y}+`);
    const panel = page.locator(`#panel-builder-${builder.id}`);
    await panel.locator('.liveness.is-dead').waitFor({ timeout: 5000 });
    const [ended] = (await farm.afJson(['status'])).builders;
    assert.is(ended.alive, false, 'a dead pane kept for its screen is not alive for af status');
    assert.ok(farm.tmuxSessions().includes(builder.tmuxSession!), 'its session kept with the dead pane');

    await page.reload();
    await frame.locator('body[data-state="ended"]').waitFor({ state: 'attached', timeout: 10_000 });
    await eventually('the last screen after a reload', async () => (await screenOf(frame)).includes('bye-42'));
    assert.is(await statusOf(frame), `ended — builder ${builder.id} has ended: its last screen is shown.`);
    assert.is(await panel.locator('.attach-command').textContent(), `tmux attach -t ${builder.tmuxSession}`);

    // tmux loses the session (a reboot, a killed server): nothing to attach to, and the page says it plainly.
    execFileSync('tmux', ['kill-session', '-t', `=${builder.tmuxSession}`], {
      env: { ...process.env, TMUX_TMPDIR: farm.folder, TMUX: '' },
    });
    await panel.locator('.process-how').waitFor({ state: 'hidden', timeout: 10_000 });
    await page.reload();
    await frame.locator('body[data-state="ended"]').waitFor({ state: 'attached', timeout: 10_000 });
    assert.is(await statusOf(frame), `ended — builder ${builder.id} has ended; tmux kept nothing of its screen.`);
    assert.is(await panel.locator('.process-how').isHidden(), true, 'no tmux attach offered');
    assert.not.match(await allText(page), RAW_TMUX, 'no raw tmux error on the page');

    // Started again (the same tab, a new pid and session): attached again, without a reload.
    await markPage(page);
    const resumed = await farm.af(['spawn', '--resume', builder.id]);
    assert.is(resumed.code, 0, resumed.stderr);
    await typeAndSee(page, frame, 'back');
    assert.is(await panel.locator('.process-how').isVisible(), true, 'tmux attach offered again');
    assert.ok(await notReloaded(page), 'no reload');

    // Ended again: af cleanup closes the session it kept, and the tab goes.
    await page.keyboard.type('exit');
    await page.keyboard.press('Enter');
    await frame.locator('body[data-state="ended"]').waitFor({ state: 'attached', timeout: 5000 });
    const cleanup = await farm.af(['cleanup', '--project', builder.id, '--force']);
    assert.is(cleanup.code, 0, cleanup.stderr);
    assert.equal(farm.tmuxSessions(), [(await farm.afJson(['status'])).architect.tmuxSession], 'the architect’s only');
    await page.locator(`#tab-builder-${builder.id}`).waitFor({ state: 'detached', timeout: 5000 });
    assert.equal(errors, [], 'no console error');
  },
);

test.run();
