// Starting the farm's dashboard server when it does not run: detached, marked as the
// farm's, its output in .agent-farm/logs/dashboard.log, waited for until it listens.
// Two commands at once may both try; the one whose server cannot listen finds the
// other's record and uses that dashboard.
import { launchServer } from './launch.js';
import type { Farm } from './project-farm.js';
import { type DashboardRecord, runningDashboard } from './dashboard-record.js';
import { signedInUrl } from './http-guard.js';

export interface DashboardStart {
  dashboard: DashboardRecord;
  /** False when it was running already. */
  started: boolean;
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
