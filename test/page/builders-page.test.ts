// A builder's life in the dashboard, in a real headless Chromium on a real farm: New
// builder in each mode of af spawn (a spec that does not exist refused in the dialog,
// having made nothing), the builder's id on its tab and card, an ended builder's
// Restart and Clean up, and Stop builder saying what it kept.
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import type { Builder } from '../../lib/state/types.js';
import { recordingAgent } from '../helpers/agent.js';
import { launchBrowser, watchedPage } from '../helpers/browser.js';
import { farmTest } from '../helpers/farm.js';
import { isProcessAlive } from '../../lib/engine/io/process-alive.js';

farmTest(
  'New builder in every mode; Restart and Clean up an ended builder; Stop builder says what it kept',
  { tmux: true },
  async (farm) => {
    const agent = recordingAgent(farm.folder, 'agent');
    mkdirSync(join(farm.project, 'codev', 'specs'), { recursive: true });
    writeFileSync(join(farm.project, 'codev', 'specs', '0042-login.md'), '# Login\n');
    // The files the task lists: a task's files must exist in the project.
    for (const folder of ['test', 'lib']) mkdirSync(join(farm.project, folder));
    writeFileSync(join(farm.project, 'test', 'login.test.ts'), '// the login test\n');
    writeFileSync(join(farm.project, 'lib', 'login.ts'), '// the login\n');
    writeFileSync(
      join(farm.project, 'codev', 'config.json'),
      JSON.stringify({ shell: { architect: 'sleep 600', builder: agent.command, shell: 'sleep 600' } }),
    );
    const start = await farm.af(['start', '--no-browser']);
    assert.is(start.code, 0, start.stderr);
    const url = /^http:\/\/127\.0\.0\.1:\d+\/\S*token=\S+$/m.exec(start.stdout)![0];
    const browser = await launchBrowser();
    try {
      const { page, errors } = await watchedPage(browser.browser);
      await page.goto(url);
      const dialog = page.locator('#builder-dialog');

      // A spec that does not exist: refused in the dialog, nothing made.
      await page.locator('#new-builder').click();
      await dialog.locator('input[name=project]').fill('9999');
      await dialog.locator('button[type=submit]').click();
      await dialog.locator('.dialog-error', { hasText: 'E_SPEC_NOT_FOUND' }).waitFor();
      assert.ok(await dialog.isVisible(), 'the dialog stays open to correct it');
      assert.not.ok(existsSync(join(farm.project, '.builders')), 'no worktree was made');
      assert.is(farm.git('branch', '--list', 'builder/*'), '', 'no branch');

      // A task with files, from the same dialog.
      await dialog.locator('input[name=mode][value=task]').check();
      await dialog.locator('textarea[name=task]').fill('Fix the "login" test');
      await dialog.locator('input[name=files]').fill('test/login.test.ts, lib/login.ts');
      await dialog.locator('button[type=submit]').click();
      const taskTab = page.locator('#tab-builder-task-1');
      await taskTab.waitFor();
      assert.is(await taskTab.locator('.tab-title').textContent(), 'task-1', 'the tab names the id');
      assert.match((await page.locator('#panel-builder-task-1 .process-title').textContent()) ?? '', 'Builder task-1');
      assert.equal(await agent.args(), [
        'Fix the "login" test\n\nRelevant files to consider:\n- test/login.test.ts\n- lib/login.ts',
      ]);

      // A protocol that does not exist, then a builder's shell.
      await page.locator('#new-builder').click();
      await dialog.locator('input[name=mode][value=protocol]').check();
      await dialog.locator('input[name=protocol]').fill('nope');
      await dialog.locator('button[type=submit]').click();
      await dialog.locator('.dialog-error', { hasText: 'E_PROTOCOL_NOT_FOUND' }).waitFor();
      await dialog.locator('input[name=mode][value=shell]').check();
      await dialog.locator('button[type=submit]').click();
      await page.locator('#tab-builder-shell-1').waitFor();
      assert.match((await page.locator('#tab-builder-shell-1').textContent()) ?? '', "builder's shell");

      // The task builder's agent ends: its card offers Restart and Clean up.
      const [task] = ((await farm.afJson(['status'])).builders as Builder[]).filter((b) => b.id === 'task-1');
      process.kill(-task!.pid, 'SIGKILL');
      await taskTab.click();
      const card = page.locator('#panel-builder-task-1 .process');
      await card.locator('.process-ended button', { hasText: 'Restart' }).click();
      await page.locator('.notice', { hasText: 'Builder task-1 restarted' }).waitFor();
      const restarted = ((await farm.afJson(['status'])).builders as Builder[]).find((b) => b.id === 'task-1')!;
      assert.ok(isProcessAlive(restarted.pid) && restarted.pid !== task!.pid, 'running again');
      await card.locator('.process-ended').waitFor({ state: 'hidden' });

      process.kill(-restarted.pid, 'SIGKILL');
      await card.locator('.process-ended button', { hasText: 'Clean up' }).click();
      await page.locator('#cleanup-dialog button[type=submit]').click();
      await page.locator('.notice', { hasText: 'Builder task-1 cleaned up' }).waitFor();
      await taskTab.waitFor({ state: 'detached' });
      assert.not.ok(existsSync(task!.worktree), 'its worktree is removed');

      // Stop builder: ended and removed, and the page says what it kept.
      await page.locator('#new-builder').click();
      await dialog.locator('input[name=mode][value=worktree]').check();
      await dialog.locator('button[type=submit]').click();
      await page.locator('#tab-builder-worktree-1').waitFor();
      await page.locator('#panel-builder-worktree-1 .process-close').click();
      await page.locator('#confirm-dialog-submit').click();
      const notice = page.locator('.notice', { hasText: 'Builder worktree-1' });
      await notice.waitFor();
      assert.match((await notice.textContent()) ?? '', 'af cleanup --project worktree-1');
      assert.match((await notice.textContent()) ?? '', 'builder/worktree-1');
      // The browser logs each refused request (the missing spec and protocol): nothing else.
      assert.equal(
        errors.filter((error) => !error.includes('status of 404')),
        [],
      );
    } finally {
      await browser.close();
    }
  },
);

test.run();
