// Headless Chromium for the page tests: Debian's `chromium` package (.ci/run installs
// it), driven by playwright-core. Every request the page makes is recorded, so a test
// can check that none left the machine, and every console error is kept.
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { findExecutable } from '../../lib/farm/find-executable.js';

export interface TestBrowser {
  browser: Browser;
  close(): Promise<void>;
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Every URL the page requested. */
  requests: string[];
  /** Console errors and uncaught exceptions of the page. */
  errors: string[];
}

export async function launchBrowser(): Promise<TestBrowser> {
  const executablePath = findExecutable('chromium') ?? findExecutable('chromium-browser');
  if (!executablePath) throw new Error('the page tests need Chromium: apt-get install -y chromium');
  // No sandbox: CI runs as root, where Chromium refuses its sandbox.
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  return { browser, close: () => browser.close() };
}

/** A new page in its own context (own cookies), with `colorScheme` as the system's theme. */
export async function watchedPage(
  browser: Browser,
  options: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({
    colorScheme: options.colorScheme ?? 'light',
    viewport: options.viewport ?? { width: 1280, height: 800 },
  });
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  return { page, context, requests, errors };
}

/** The requests that went anywhere but this machine's loopback. */
export const offMachine = (requests: readonly string[]) =>
  requests.filter(
    (url) =>
      !/^(http|ws)s?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\//.test(url) &&
      !url.startsWith('data:') &&
      !url.startsWith('about:'),
  );
