// The tower page: renders the TowerStatus the server put in the page, then every
// status /api/events pushes, in place (a card per farm, kept by its block). Starting
// a farm in a folder (with the server's folder suggestions) and stopping one call the
// tower's routes; what they change comes back through the same stream.
import type { FarmEntry, FolderSuggestion, TowerStatus } from '../farm/tower-types.js';
import { call, type StoppedProcess } from './dashboard-api.js';
import { actionDialog, describeError } from './dashboard-dialogs.js';
import { byId, element, setAttribute, setText } from './dashboard-dom.js';
import { type Connection, followEvents } from './dashboard-live.js';
import { notifier } from './dashboard-notices.js';

const UNREACHABLE = 'the tower is not answering (is it running? "af tower start")';
const SUGGEST_DELAY_MS = 150;

const api = {
  browse: (path: string) =>
    call<{ suggestions: FolderSuggestion[] }>(
      'GET',
      `/api/browse?path=${encodeURIComponent(path)}`,
      undefined,
      UNREACHABLE,
    ),
  launch: (projectPath: string) =>
    call<{ dashboard: { url: string } | null }>('POST', '/api/launch', { projectPath }, UNREACHABLE),
  stop: (basePort: number, projectPath: string) =>
    call<{ stopped: StoppedProcess[] }>('POST', '/api/stop', { basePort, projectPath }, UNREACHABLE),
};

const notify = notifier(byId('notices'));
const stopDialog = actionDialog(byId<HTMLDialogElement>('stop-dialog'));
const list = byId('farms');
/** Each farm's card, by its block: made once, then updated in place. */
const cards = new Map<number, Card>();

interface Card {
  node: HTMLElement;
  update(entry: FarmEntry): void;
}

function fact(label: string): { node: HTMLElement; value: HTMLElement } {
  const value = element('span', 'state');
  return { node: element('span', 'fact', {}, [`${label} `, value]), value };
}

function setState(node: HTMLElement, running: boolean, pid?: number): void {
  setText(node, running ? `running${pid ? ` (pid ${pid})` : ''}` : 'stopped');
  node.className = `state ${running ? 'is-running' : 'is-stopped'}`;
}

function farmCard(basePort: number): Card {
  const name = element('h3', 'farm-name');
  const path = element('div', 'farm-path');
  const block = element('span', 'fact');
  const dashboard = fact('dashboard');
  const architect = fact('architect');
  const builders = element('span', 'fact builders');
  const problem = element('p', 'farm-problem', { role: 'alert', hidden: true });
  const open = element('a', 'button button-primary open-dashboard', { target: '_blank', rel: 'noopener' }, [
    'Open dashboard',
  ]);
  const stop = element('button', 'button button-danger stop-farm', { type: 'button' }, ['Stop…']);
  let latest: FarmEntry | undefined;
  stop.addEventListener('click', () => {
    if (!latest) return;
    const farm = latest;
    setText(
      byId('stop-dialog-text'),
      `As "af stop" in ${farm.projectPath}: its architect, builders and dashboard end.`,
    );
    stopDialog.open(async () => {
      const { stopped } = await api.stop(basePort, farm.projectPath);
      return () =>
        notify(
          'info',
          `Stopped the farm ${farm.projectName}`,
          stopped.map((entry) => `${entry.what} (pid ${entry.pid}): ${entry.outcome}`).join('; ') || 'nothing ran',
        );
    });
  });
  const node = element('li', 'farm', { 'data-base-port': basePort }, [
    element('div', 'farm-title', {}, [name, path]),
    element('div', 'farm-facts', {}, [block, dashboard.node, architect.node, builders]),
    element('div', 'farm-actions', {}, [open, stop]),
    problem,
  ]);
  return {
    node,
    update(entry) {
      latest = entry;
      setText(name, entry.projectName);
      setText(path, entry.projectPath);
      setText(block, `ports ${entry.basePort}–${entry.basePort + 99}`);
      setState(dashboard.value, entry.dashboard.running, entry.dashboard.pid);
      setState(architect.value, entry.architect.running, entry.architect.pid);
      setText(builders, `builders ${entry.builders.alive} alive, ${entry.builders.dead} dead`);
      setAttribute(open, 'href', entry.dashboard.url);
      setAttribute(open, 'aria-label', `Open the dashboard of ${entry.projectName}`);
      setAttribute(stop, 'aria-label', `Stop the farm ${entry.projectName}`);
      setAttribute(open, 'hidden', !entry.dashboard.url);
      setAttribute(stop, 'hidden', !entry.dashboard.running && !entry.architect.running);
      setAttribute(problem, 'hidden', !entry.problem);
      setText(problem, entry.problem ? `${entry.problem.message} (${entry.problem.code})` : '');
    },
  };
}

function render(status: TowerStatus): void {
  setAttribute(byId('problem'), 'hidden', !status.problem);
  setText(byId('problem-text'), status.problem ? `${status.problem.message} (${status.problem.code})` : '');
  setAttribute(byId('empty'), 'hidden', status.instances.length > 0 || Boolean(status.problem));
  const seen = new Set<number>();
  let previous: Element | null = null;
  for (const entry of status.instances) {
    seen.add(entry.basePort);
    let card = cards.get(entry.basePort);
    if (!card) {
      card = farmCard(entry.basePort);
      cards.set(entry.basePort, card);
    }
    card.update(entry);
    // In the registry's order, moving only a card out of place: a moved node would lose the focus.
    const expected: Element | null = previous ? previous.nextElementSibling : list.firstElementChild;
    if (expected !== card.node) list.insertBefore(card.node, expected);
    previous = card.node;
  }
  for (const [basePort, card] of cards) {
    if (seen.has(basePort)) continue;
    card.node.remove();
    cards.delete(basePort);
  }
}

function showConnection(connection: Connection): void {
  byId('connection').className = `connection is-${connection}`;
  setText(byId('connection-text'), connection === 'live' ? 'live' : 'reconnecting…');
}

function launchForm(): void {
  const form = byId<HTMLFormElement>('launch');
  const input = byId<HTMLInputElement>('launch-path');
  const options = byId('launch-suggestions');
  const submit = byId<HTMLButtonElement>('launch-submit');
  let timer: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const ask = ++asked;
      try {
        const { suggestions } = await api.browse(input.value);
        if (ask !== asked) return; // a later keystroke asked since
        options.replaceChildren(
          ...suggestions.map((suggestion) =>
            element('option', '', { value: suggestion.path }, [suggestion.isProject ? 'project' : '']),
          ),
        );
      } catch {
        options.replaceChildren(); // suggestions are a help: a refusal shows on submit
      }
    }, SUGGEST_DELAY_MS);
  });
  form.addEventListener('submit', async (event) => {
    // Handled here: the page's policy allows no form navigation, and none is wanted.
    event.preventDefault();
    if (submit.disabled) return;
    submit.disabled = true;
    setText(submit, 'Starting…');
    try {
      const started = await api.launch(input.value.trim());
      notify(
        'info',
        `Started a farm in ${input.value.trim()}`,
        started.dashboard?.url ? 'its dashboard is listed' : '',
      );
      input.value = '';
    } catch (error) {
      notify('error', 'The farm did not start', describeError(error));
    } finally {
      submit.disabled = false;
      setText(submit, 'Start farm');
    }
  });
}

render(JSON.parse(byId('initial-status').textContent ?? '{"instances":[]}') as TowerStatus);
launchForm();
followEvents<TowerStatus>('status', render, showConnection);
