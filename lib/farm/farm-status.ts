// One farm as the tower lists it: its block from the port registry, whether its
// dashboard and architect run, and how many of its builders are alive or dead, from
// the files the farm keeps (dashboard.json, state.db, secret). Only reads: nothing is
// created, and a file that cannot be read becomes the entry's problem.
import { basename } from 'node:path';
import { isProcessAlive } from '../engine/index.js';
import { problemOf } from './overview.js';
import type { PortAllocation } from '../ports/types.js';
import type { DashboardState } from '../state/types.js';
import { runningDashboard } from './dashboard-record.js';
import { signedInUrl } from './http-guard.js';
import type { Problem } from './overview-types.js';
import type { FarmIdentity } from './project-farm.js';
import { readSecret, secretPath } from './secret.js';
import type { FarmEntry } from './tower-types.js';

/**
 * The farm's dashboard and the URL that opens it signed in, while it runs. The secret
 * is read once per dashboard process (its checks run git): the `previous` answer for
 * the same process is kept.
 */
function dashboardOf(farm: FarmIdentity, previous: FarmEntry['dashboard'] | undefined): FarmEntry['dashboard'] {
  const record = runningDashboard(farm);
  if (!record) return { running: false };
  if (previous?.pid === record.pid && previous.url !== undefined) return previous;
  const secret = readSecret(secretPath(farm.root));
  return { running: true, pid: record.pid, ...(secret ? { url: signedInUrl(record.port, secret) } : {}) };
}

/** The farm's entry; `previous` is its last entry, whose dashboard URL is kept while the same dashboard runs. */
export function farmEntry(
  farm: FarmIdentity,
  allocation: PortAllocation,
  state: DashboardState,
  previous: FarmEntry | undefined,
  stateProblem?: Problem,
): FarmEntry {
  let dashboard: FarmEntry['dashboard'] = { running: false };
  let problem = stateProblem;
  try {
    dashboard = dashboardOf(farm, previous?.dashboard);
  } catch (error) {
    problem ??= problemOf(error);
  }
  const architect = state.architect;
  const alive = state.builders.filter((builder) => isProcessAlive(builder.pid)).length;
  return {
    projectPath: allocation.path,
    projectName: basename(allocation.path),
    basePort: allocation.basePort,
    dashboardPort: allocation.basePort,
    architectPort: allocation.basePort + 1,
    registered: allocation.registered,
    lastUsed: allocation.lastUsed,
    running: dashboard.running,
    dashboard,
    architect: architect && isProcessAlive(architect.pid) ? { running: true, pid: architect.pid } : { running: false },
    builders: { alive, dead: state.builders.length - alive },
    ...(problem ? { problem } : {}),
  };
}
