// The cards' message boxes in a real headless Chromium, on a real farm whose agents
// record what is typed into their terminals: a builder's card shows its instructions
// and sends a multi-line message that arrives as one paste, then Enter; the
// architect's card sends too; a builder whose process ended refuses, and the box says why.
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import type { Builder } from '../../lib/state/types.js';
import { recordingAgent } from '../helpers/agent.js';
import { launchBrowser, watchedPage } from '../helpers/browser.js';
import { farmTest } from '../helpers/farm.js';

farmTest(
  "a card's message box types into its agent; a builder's card shows its instructions",
  { tmux: true },
  async (farm) => {
    const architect = recordingAgent(farm.folder, 'architect', { paste: true });
    const builderAgent = recordingAgent(farm.folder, 'builder', { paste: true });
    mkdirSync(join(farm.project, 'codev'));
    writeFileSync(
      join(farm.project, 'codev', 'config.json'),
      JSON.stringify({ shell: { architect: architect.command, builder: builderAgent.command } }),
    );
    const start = await farm.af(['start', '--no-browser']);
    assert.is(start.code, 0, start.stderr);
    const url = /^http:\/\/127\.0\.0\.1:\d+\/\S*token=\S+$/m.exec(start.stdout)![0];
    const task = 'Write the README: "why" and `how`';
    const builder: Builder = await farm.afJson(['spawn', '--task', task]);
    const ended = await farm.afJson(['spawn', '--task', 'soon gone', '--builder-cmd', `sh -c 'exec sleep 600'`]);
    process.kill(ended.pid, 'SIGKILL');

    const browser = await launchBrowser();
    try {
      const { page, errors } = await watchedPage(browser.browser);
      await page.goto(url);
      await page.locator(`#tab-builder-${builder.id}`).click();
      const panel = page.locator(`#panel-builder-${builder.id}`);
      await panel.locator('.instructions summary').click();
      assert.is(await panel.locator('.instructions-text').textContent(), task, 'the prompt it was started with');
      await panel.locator('.instructions summary').click();

      const box = panel.locator('.message-text');
      await box.click();
      await page.keyboard.type('Rebase on main.');
      await page.keyboard.press('Enter');
      await page.keyboard.type('Then run the tests.');
      await page.keyboard.press('Control+Enter');
      await panel.locator('.message-result', { hasText: /^sent / }).waitFor();
      const typed = await builderAgent.waitForInput('\x1b[201~');
      const [start, end] = ['\x1b[200~', '\x1b[201~\r'];
      assert.ok(typed.startsWith(start) && typed.endsWith(end), 'one bracketed paste, then Enter');
      assert.match(
        typed.slice(start.length, -end.length),
        /^### \[ARCHITECT INSTRUCTION \| [^\]]+\] ###\rRebase on main\.\rThen run the tests\.\r#+$/,
      );
      assert.is(await box.inputValue(), '', 'the box is emptied once sent');

      const architectBox = page.locator('#architect-pane .message-text');
      await architectBox.fill('Status, please');
      await page.locator('#architect-pane .message-box button[type=submit]').click();
      await architect.waitForInput('Status, please\r');

      await page.locator(`#tab-builder-${ended.id}`).click();
      const endedBox = page.locator(`#panel-builder-${ended.id} .message-text`);
      await page.locator(`#panel-builder-${ended.id} .message-text[disabled]`).waitFor();
      assert.match((await endedBox.getAttribute('placeholder')) ?? '', 'is not running');
      // The route refuses it as af send does, should a request get there.
      const refused = await page.evaluate(async (to) => {
        const response = await fetch('/api/send', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ to, message: 'hello' }),
        });
        return { status: response.status, body: (await response.json()) as { error: { code: string } } };
      }, ended.id);
      assert.is(refused.status, 409);
      assert.is(refused.body.error.code, 'E_NOT_RUNNING');
      assert.equal(
        errors.filter((error) => !/409|WebSocket/.test(error)),
        [],
      );
    } finally {
      await browser.close();
    }
  },
);

test.run();
