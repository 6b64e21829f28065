// Opening the dashboard in the user's browser, only where there is one to open: a
// desktop session (macOS, Windows, or a Linux display), never in CI or over a pipe.
import { spawn } from 'node:child_process';
import { findExecutable } from '../farm/find-executable.js';

function opener(): string[] | undefined {
  if (process.env.CI || !process.stdout.isTTY) return undefined;
  if (process.platform === 'darwin') return ['open'];
  if (process.platform === 'win32') return ['cmd', '/c', 'start', ''];
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return undefined;
  return findExecutable('xdg-open') ? ['xdg-open'] : undefined;
}

/** Asks the desktop to open `url`; true when it was asked. The browser's own errors are its own. */
export function openInBrowser(url: string): boolean {
  const command = opener();
  if (!command) return false;
  const child = spawn(command[0]!, [...command.slice(1), url], { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
  return true;
}
