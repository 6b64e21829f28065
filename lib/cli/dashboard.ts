// The dashboard from the command line: `af start` starts it after the architect, and
// `af dashboard` (or `af open`) prints its URL again, starting it if it died. The URL
// carries the farm's secret; it is printed on a line of its own.
import type { CAC } from 'cac';
import { ensureDashboard, dashboardUrl, type DashboardStart } from '../farm/dashboard-launch.js';
import type { Farm } from '../farm/project-farm.js';
import { loadOrCreateSecret, secretPath } from '../farm/secret.js';
import type { Interruption } from '../farm/interruption.js';
import { stopProcess } from '../farm/launch.js';
import { action } from './action.js';
import { dashboardArgv } from './dashboard-process.js';
import { note, printJson, printLine } from './io.js';
import { openInBrowser } from './open-browser.js';
import { openFarm } from './in-farm.js';
import { projectRoot } from './stores.js';

export interface DashboardOptions {
  /** False with --no-browser. */
  browser?: boolean;
  json?: boolean;
}

export interface StartedDashboard extends DashboardStart {
  url: string;
}

/** The farm's dashboard, started when none runs; an interruption during its start ends it again. */
export async function startDashboard(farm: Farm, interruption?: Interruption): Promise<StartedDashboard> {
  const secret = loadOrCreateSecret(secretPath(farm.root));
  interruption?.checkpoint('the dashboard');
  const start = await ensureDashboard(farm, dashboardArgv(farm.root, farm.layout.dashboard));
  try {
    interruption?.checkpoint('the dashboard');
  } catch (error) {
    if (start.started) await stopProcess({ pid: start.dashboard.pid }, farm.id);
    throw error;
  }
  return { ...start, url: dashboardUrl(start.dashboard.port, secret) };
}

/** Prints the URL alone on its line (and opens it on a desktop unless --no-browser). */
export function announceDashboard(started: StartedDashboard, options: DashboardOptions): void {
  const { dashboard } = started;
  note(
    started.started
      ? `dashboard started: pid ${dashboard.pid}, port ${dashboard.port}; open:`
      : `dashboard running: pid ${dashboard.pid}, port ${dashboard.port}; open:`,
  );
  printLine(started.url);
  if (options.browser !== false) openInBrowser(started.url);
}

async function dashboard(options: DashboardOptions): Promise<void> {
  const { farm } = await openFarm(projectRoot(), false);
  const started = await startDashboard(farm);
  if (options.json) return printJson({ ...started.dashboard, url: started.url, started: started.started });
  announceDashboard(started, options);
}

export function registerDashboard(cli: CAC): void {
  cli
    .command(
      'dashboard',
      "Print the dashboard's URL (with the farm's secret), starting the dashboard if it is not running",
    )
    .alias('open')
    .option('--no-browser', 'Do not open the browser')
    .option('--json', 'Print the dashboard (pid, port, url) as JSON')
    .example('af dashboard')
    .example('af open --no-browser')
    .action(action(dashboard));
}
