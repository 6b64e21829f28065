// Starting the farm's dashboard server when it does not run: detached, marked as the
// farm's, its output in .agent-farm/logs/dashboard.log, waited for until it listens.
// Two commands at once may both try; the one whose server cannot listen finds the
// other's record and uses that dashboard.
import { closeSync } from 'node:fs';
import { launchServer } from './launch.js';
import { openLogForAppend } from './log-files.js';
import type { Farm } from './project-farm.js';
import { type DashboardRecord, readDashboardRecord, runningDashboard } from './dashboard-record.js';
import { signedInUrl } from './http-guard.js';
import { loadOrCreateSecret, secretPath } from './secret.js';

export interface DashboardStart {
  dashboard: DashboardRecord;
  /** False when it was running already. */
  started: boolean;
}

/**
 * Refuses what would make the dashboard's start fail whatever else happens (a link or a
 * folder planted as its secret, its record or its log), so that `af start` refuses it
 * before it launches the architect.
 */
export function checkDashboardFiles(farm: Farm): void {
  loadOrCreateSecret(secretPath(farm.root));
  readDashboardRecord(farm.root);
  closeSync(openLogForAppend(farm.logFile('dashboard')));
}

/** The dashboard on the block's +0 port, started with `argv` when none runs. */
export async function ensureDashboard(farm: Farm, argv: string[]): Promise<DashboardStart> {
  const running = runningDashboard(farm);
  if (running && running.port === farm.layout.dashboard) return { dashboard: running, started: false };
  try {
    const pid = await launchServer(
      {
        label: 'the dashboard server',
        command: argv.join(' '),
        cwd: farm.root,
        logFile: farm.logFile('dashboard'),
        farmId: farm.id,
      },
      argv,
    );
    return { dashboard: runningDashboard(farm) ?? { pid, port: farm.layout.dashboard, startedAt: '' }, started: true };
  } catch (error) {
    const other = runningDashboard(farm);
    if (other) return { dashboard: other, started: false };
    throw error;
  }
}

/** The address that opens the dashboard: the secret in it becomes the browser's cookie at the first visit. */
export const dashboardUrl = signedInUrl;
