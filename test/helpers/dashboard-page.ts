// The dashboard page as the page tests walk it: a farm started with bash as every
// agent, its page open at the URL `af start` printed, and what a user does and sees
// there: a terminal frame typed into, its screen and status, the page's whole text.
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import type { TestFarm } from './farm.js';
import { eventually } from './tmux-server.js';

/** An interactive bash; the agent's instructions, passed last, become sh's $0 and are left alone. */
export const BASH = "sh -c 'exec bash --norc --noprofile'";
export const BASH_FARM = { shell: { architect: BASH, builder: BASH, shell: BASH } };
/** What tmux says when it has no such session or server: never for the page's eyes. */
export const RAW_TMUX = /can't find|no server running|no sessions|error connecting/;
/** Chromium's own report of a socket or stream cut while a dashboard was away. */
export const CUT_CONNECTION = /WebSocket connection to|net::ERR_(CONNECTION_REFUSED|INCOMPLETE_CHUNKED_ENCODING)/;

/** Writes codev/config.json (and a spec 0042), starts the farm and returns the URL `af start` printed. */
export async function startFarm(farm: TestFarm, config: object = BASH_FARM): Promise<string> {
  mkdirSync(join(farm.project, 'codev', 'specs'), { recursive: true });
  writeFileSync(join(farm.project, 'codev', 'config.json'), JSON.stringify(config));
  writeFileSync(join(farm.project, 'codev', 'specs', '0042-search.md'), '# Search\n');
  const start = await farm.af(['start', '--no-browser']);
  assert.is(start.code, 0, `af start: ${start.stderr}`);
  const url = /^http:\/\/127\.0\.0\.1:\d+\/\S*token=\S+$/m.exec(start.stdout)?.[0];
  assert.ok(url, start.stdout);
  return url!;
}

export const architectFrame = (page: Page) => page.frameLocator('#architect-pane iframe');
export const builderFrame = (page: Page, id: string) => page.frameLocator(`#panel-builder-${id} iframe`);

/** The terminal's visible rows as the page renders them. */
// biome-ignore lint/performance/useDomNodeTextContent: the rows' line breaks come from the layout
export const screenOf = (frame: FrameLocator) => frame.locator('.xterm-rows').innerText();
export const statusOf = async (frame: FrameLocator) => (await frame.locator('#status').textContent()) ?? '';

/** Waits for the terminal to take input, types a sum into bash and waits for bash's answer. */
export async function typeAndSee(page: Page, frame: FrameLocator, word: string): Promise<void> {
  await frame.locator('body[data-state="connected"]').waitFor({ state: 'attached', timeout: 10_000 });
  await frame.locator('.xterm-screen').click();
  await page.keyboard.type(`echo ${word}-$((6*7))`);
  await page.keyboard.press('Enter');
  await eventually(`${word}-42 on the page`, async () => (await screenOf(frame)).includes(`${word}-42`));
}

/** Everything the page and its frames show as text. */
export async function allText(page: Page): Promise<string> {
  const texts = await Promise.all(
    page.frames().map(
      async (frame) =>
        (await frame
          .locator('body')
          .textContent()
          .catch(() => '')) ?? '',
    ),
  );
  return texts.join('\n');
}

interface Marked {
  kept?: boolean;
}
/** Marks the page's window, to tell later that it was not reloaded. */
export const markPage = (page: Page) =>
  page.evaluate(() => {
    (globalThis as Marked).kept = true;
  });
export const notReloaded = (page: Page) => page.evaluate(() => (globalThis as Marked).kept === true);
