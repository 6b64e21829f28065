// `af status`: what the farm of this project is running, and whether each process still lives.
import type { CAC } from 'cac';
import { isProcessAlive } from '../engine/index.js';
import { readDashboardRecord, runningDashboard } from '../farm/dashboard-record.js';
import { farmIdentity } from '../farm/project-farm.js';
import { endedBuilderHint } from '../farm/resume.js';
import { action } from './action.js';
import { paint, printable, printJson, printLine, printTable } from './io.js';
import { projectRoot, readRegistry, readState } from './stores.js';

const liveness = <T extends { pid: number }>(entry: T): T & { alive: boolean } => ({
  ...entry,
  alive: isProcessAlive(entry.pid),
});

export async function farmStatus() {
  const root = projectRoot();
  // A project with no state yet (or a user with no registry) has nothing running: nothing is created to say so.
  const state = await readState(
    (store) => store.loadState(),
    () => ({ architect: null, builders: [], utils: [], annotations: [] }),
  );
  const allocation = (
    await readRegistry(
      (registry) => registry.listAllocations(),
      () => [],
    )
  ).find((entry) => entry.path === root);
  return {
    project: root,
    basePort: allocation?.basePort ?? null,
    architect: state.architect && liveness(state.architect),
    builders: state.builders.map((builder) => {
      const entry = liveness(builder);
      return entry.alive ? entry : { ...entry, hint: endedBuilderHint(builder.id) };
    }),
    utils: state.utils.map(liveness),
    annotations: state.annotations.map(liveness),
    dashboard: dashboardStatus(root),
  };
}

/** The recorded dashboard and whether it runs (the record is removed when it ends, so a dead one crashed). */
function dashboardStatus(root: string) {
  const record = readDashboardRecord(root);
  return record ? { ...record, alive: runningDashboard(farmIdentity(root)) !== undefined } : null;
}

async function status(options: { json?: boolean }): Promise<void> {
  const report = await farmStatus();
  if (options.json) return printJson(report);
  const alive = (entry: { alive: boolean }) => (entry.alive ? paint('alive', 'green') : paint('dead', 'red'));
  printLine(
    `${paint('project', 'bold')}  ${printable(report.project)}${report.basePort === null ? '' : `  (ports ${report.basePort}-${report.basePort + 99})`}`,
  );
  printLine(
    report.architect
      ? `${paint('architect', 'bold')}  port ${report.architect.port}  pid ${report.architect.pid} ${alive(report.architect)}  ${printable(report.architect.cmd)}`
      : `${paint('architect', 'bold')}  not running`,
  );
  printLine(
    report.dashboard
      ? `${paint('dashboard', 'bold')}  port ${report.dashboard.port}  pid ${report.dashboard.pid} ${alive(report.dashboard)}  (af dashboard prints its URL${report.dashboard.alive ? '' : ' and starts it again'})`
      : `${paint('dashboard', 'bold')}  not running  (af dashboard starts it)`,
  );
  const section = (title: string, headers: string[], rows: Array<Array<string | number>>) => {
    printLine();
    if (rows.length === 0) return printLine(`${paint(title, 'bold')}  none`);
    printLine(paint(title, 'bold'));
    printTable(headers, rows);
  };
  section(
    'builders',
    ['id', 'status', 'port', 'pid', 'process', 'worktree'],
    report.builders.map((b) => [printable(b.id), b.status, b.port, b.pid, alive(b), printable(b.worktree)]),
  );
  for (const builder of report.builders)
    if ('hint' in builder) printLine(printable(`  builder ${builder.id} is not running: ${builder.hint}`));
  section(
    'utility terminals',
    ['id', 'name', 'port', 'pid', 'process'],
    report.utils.map((u) => [printable(u.id), printable(u.name), u.port, u.pid, alive(u)]),
  );
  section(
    'annotations',
    ['id', 'file', 'port', 'pid', 'process'],
    report.annotations.map((a) => [printable(a.id), printable(a.file), a.port, a.pid, alive(a)]),
  );
}

export function registerStatus(cli: CAC): void {
  cli
    .command(
      'status',
      'Show the architect, the dashboard, builders, utility terminals and annotations, with ports and liveness',
    )
    .option('--json', 'Print the status as JSON')
    .example('af status')
    .example('af status --json | jq ".builders[] | select(.alive | not)"')
    .action(action(status));
}
