// The dashboard page: renders the Overview the server put in the page, then every
// Overview /api/events pushes, in place. Buttons call the server's routes; what they
// change comes back through the same stream, so the page shows only what the farm
// really is. A stopped farm's page waits for the next dashboard on its port (the
// same secret, so the same cookie) and follows it when it comes.
import { api, type StoppedProcess } from './dashboard-api.js';
import { architectPane } from './dashboard-architect.js';
import { builderRequest, wireBuilderModes } from './dashboard-builder-dialog.js';
import { actionDialog, describeError } from './dashboard-dialogs.js';
import { byId, element, setAttribute, setText } from './dashboard-dom.js';
import { takeFocusFromTerminals } from './dashboard-frame.js';
import { type Connection, followOverview } from './dashboard-live.js';
import { notifier } from './dashboard-notices.js';
import type { Overview, Tab } from '../farm/overview-types.js';
import type { ProcessActions } from './dashboard-process.js';
import { splitter } from './dashboard-splitter.js';
import { plural, statusBar } from './dashboard-status-bar.js';
import { tabStrip } from './dashboard-tabs.js';
import { LEAVE_KEY } from './terminal-leave.js';

const notify = notifier(byId('notices'));
const workspace = byId('workspace');
const builderDialog = actionDialog(byId<HTMLDialogElement>('builder-dialog'));
wireBuilderModes(byId<HTMLDialogElement>('builder-dialog'));
const shellDialog = actionDialog(byId<HTMLDialogElement>('shell-dialog'));
const fileDialog = actionDialog(byId<HTMLDialogElement>('file-dialog'));
const confirmDialog = actionDialog(byId<HTMLDialogElement>('confirm-dialog'));
const cleanupDialog = actionDialog(byId<HTMLDialogElement>('cleanup-dialog'));
const farmButtons = ['new-builder', 'new-shell', 'open-file', 'stop-farm'].map((id) => byId<HTMLButtonElement>(id));
let latest: Overview | undefined;
let latestAt = new Date();
let connection: Connection | 'stopped' = 'live';
/** How many times the event stream broke: the stopped server's stream breaks after its Stop was asked. */
let streamBreaks = 0;
/** The farm was stopped from this page, and the stream's breaks when its Stop was asked. */
let stopped: { breaksAtStop: number } | undefined;
/** Once the stopped server's stream broke, what comes is the next dashboard's. */
const stoppedServerGone = () => stopped !== undefined && streamBreaks > stopped.breaksAtStop;

const actions: ProcessActions = {
  async copy(text, node) {
    try {
      await navigator.clipboard.writeText(text);
      notify('info', 'Copied to the clipboard', text);
    } catch {
      // No clipboard for this page (a browser setting): select it for Ctrl+C instead.
      const range = document.createRange();
      range.selectNodeContents(node);
      getSelection()?.removeAllRanges();
      getSelection()?.addRange(range);
      notify('info', 'Selected: press Ctrl+C to copy', text);
    }
  },
  close: (tab) => (tab.kind === 'builder' ? confirmStopBuilder(tab) : closeTab(tab)),
  async restart(tab) {
    const id = builderId(tab);
    try {
      await api.restartBuilder(id);
      notify('info', `Builder ${id} restarted`, 'in its worktree, with its instructions and a line saying it resumes');
    } catch (error) {
      notify('error', `Could not restart builder ${id}`, describeError(error));
    }
  },
  cleanUp: confirmCleanUp,
  async send(request) {
    await api.send(request);
  },
};

const architect = architectPane(byId('architect-pane'), byId('architect-empty'), {
  copy: actions.copy,
  send: actions.send,
});
const tabs = tabStrip(byId('tablist'), byId('tabpanels'), byId('tabs-empty'), actions, (id) =>
  history.replaceState(null, '', `#${id}`),
);
const renderStatus = statusBar();

function render(overview: Overview): void {
  if (stopped && !stoppedServerGone()) return;
  if (stopped) resume();
  latest = overview;
  latestAt = new Date();
  setText(byId('project-name'), overview.project.name);
  architect.render(
    overview.tabs.find((tab) => tab.kind === 'architect'),
    overview,
  );
  tabs.render(
    overview.tabs.filter((tab) => tab.kind !== 'architect'),
    overview,
  );
  renderStatus(overview);
  byId('problem').hidden = !overview.problem;
  setText(byId('problem-text'), overview.problem ? `${overview.problem.message} (${overview.problem.code})` : '');
}

function showConnection(now: Connection | 'stopped'): void {
  if (now === 'reconnecting') streamBreaks++;
  // Stopped: the page says so until the next dashboard's stream is live.
  if (stopped && (now === 'reconnecting' || (now === 'live' && !stoppedServerGone()))) return;
  // The server answers again: the terminals connect now rather than at the end of their backoff.
  if (now === 'live' && connection === 'reconnecting') reconnectTerminals();
  connection = now;
  const indicator = byId('connection');
  setAttribute(indicator, 'class', `connection is-${connection}`);
  const asOf = latestAt.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  setText(byId('connection-text'), connection === 'reconnecting' ? `reconnecting… (state of ${asOf})` : connection);
  setAttribute(
    indicator,
    'title',
    connection === 'reconnecting'
      ? 'The dashboard server is not answering. "af dashboard" restarts it; after "af stop", "af start" starts the farm again.'
      : undefined,
  );
}

async function closeTab(tab: Tab): Promise<void> {
  try {
    await api.closeTab(tab.id);
  } catch (error) {
    notify('error', `Could not close ${tab.title}`, describeError(error));
  }
}

const builderId = (tab: Tab) => tab.id.replace(/^builder-/, '');

function confirmCleanUp(tab: Tab): void {
  const id = builderId(tab);
  setText(byId('cleanup-dialog-title'), `Clean up builder ${id}?`);
  setText(
    byId('cleanup-dialog-text'),
    tab.builder?.worktree
      ? `This removes its worktree ${tab.builder.worktree} and its branch ${tab.builder.branch}, as "af cleanup --project ${id}". Work not merged is kept unless you tick the box.`
      : `This removes it from the farm, as "af cleanup --project ${id}".`,
  );
  cleanupDialog.open(async (fields) => {
    await api.cleanupBuilder(id, fields.get('force') === 'on');
    return () =>
      notify(
        'info',
        `Builder ${id} cleaned up`,
        tab.builder?.worktree ? 'its worktree and branch are removed' : undefined,
      );
  });
}

function confirmStopBuilder(tab: Tab): void {
  setText(byId('confirm-dialog-title'), `Stop builder ${builderId(tab)}?`);
  const where = tab.builder?.worktree
    ? ` Its worktree ${tab.builder.worktree} and branch ${tab.builder.branch} are kept.`
    : '';
  setText(byId('confirm-dialog-text'), `This ends its process and removes it from the farm.${where}`);
  setText(byId('confirm-dialog-submit'), 'Stop builder');
  confirmDialog.open(async () => {
    const { process, left } = await api.closeTab(tab.id);
    return () =>
      notify(
        'info',
        `Builder ${builderId(tab)}: process ${process}, removed from the farm`,
        left
          ? `Kept: its worktree ${left.worktree} and branch ${left.branch}. "${left.remove}" removes them.`
          : undefined,
      );
  });
}

function confirmStopFarm(): void {
  const count = (kind: Tab['kind']) => latest?.tabs.filter((tab) => tab.kind === kind).length ?? 0;
  setText(byId('confirm-dialog-title'), 'Stop the farm?');
  setText(
    byId('confirm-dialog-text'),
    `This ends the architect, ${plural(count('builder'), 'builder')}, ${plural(count('shell'), 'shell')} and ` +
      `${plural(count('file'), 'file viewer')}, ` +
      "clears the farm's state and stops this dashboard. Worktrees and branches are kept.",
  );
  setText(byId('confirm-dialog-submit'), 'Stop farm');
  confirmDialog.open(async () => {
    // Its stream may break before the answer is read.
    const breaksAtStop = streamBreaks;
    const { stopped } = await api.stopFarm();
    return () => showStopped(stopped, breaksAtStop);
  });
}

/** The farm is gone: no stream to follow, no terminals to show, and the page says so. */
function showStopped(ended: readonly StoppedProcess[], breaksAtStop: number): void {
  stopped = { breaksAtStop };
  architect.unload();
  tabs.unload();
  showConnection('stopped');
  if (latest) renderStatus({ ...latest, tabs: [] });
  workspace.classList.add('is-stopped');
  for (const button of farmButtons) button.disabled = true;
  setText(byId('stopped-text'), `Ended ${ended.length} process${ended.length === 1 ? '' : 'es'}.`);
  byId('stopped-list').replaceChildren(
    ...ended.map((process) => element('li', '', {}, [`${process.what} (pid ${process.pid}): ${process.outcome}`])),
  );
  byId('stopped').hidden = false;
}

/** A dashboard answers again after the farm was stopped: the page is the farm's again. */
function resume(): void {
  stopped = undefined;
  workspace.classList.remove('is-stopped');
  for (const button of farmButtons) button.disabled = false;
  byId('stopped').hidden = true;
  const shown = decodeURIComponent(location.hash.slice(1));
  if (shown) tabs.select(shown);
}

function reconnectTerminals(): void {
  for (const frame of document.querySelectorAll<HTMLIFrameElement>('iframe.frame:not(.frame-file)'))
    frame.contentWindow?.postMessage({ type: 'reconnect' }, location.origin);
}

byId('new-builder').addEventListener('click', () =>
  builderDialog.open(async (fields) => {
    const builder = await api.newBuilder(builderRequest(fields));
    return () => tabs.select(`builder-${builder.id}`, true);
  }),
);
byId('new-shell').addEventListener('click', () =>
  shellDialog.open(async (fields) => {
    const name = String(fields.get('name') ?? '').trim();
    const shell = await api.newShell(name || undefined);
    return () => tabs.select(`shell-${shell.id}`, true);
  }),
);
byId('open-file').addEventListener('click', () => {
  setText(byId('file-dialog-root'), latest ? `Project: ${latest.project.root}` : '');
  fileDialog.open(async (fields) => {
    const file = await api.openFile(String(fields.get('path') ?? '').trim());
    return () => tabs.select(`file-${file.id}`, true);
  });
});
byId('stop-farm').addEventListener('click', confirmStopFarm);
splitter(byId('splitter'), workspace);
takeFocusFromTerminals();
byId('status-keys').replaceChildren(element('kbd', '', {}, [LEAVE_KEY]), ' leaves a terminal');

function initialOverview(): Overview | undefined {
  try {
    return JSON.parse(byId('initial-overview').textContent ?? '') as Overview;
  } catch {
    return undefined;
  }
}

const wanted = decodeURIComponent(location.hash.slice(1));
if (wanted) tabs.select(wanted);
const initial = initialOverview();
if (initial) render(initial);
followOverview(render, showConnection);
