// The right pane: a column of tabs, one per builder, shell and file, each naming its
// state (a farm is read at a glance down that column), and beside it the selected
// tab's panel: its process card and an iframe (its web terminal, or the file). Tabs
// are kept by id and updated in place: a panel's iframe is made the first time the
// tab is shown and lives as long as the tab (moving or remaking it would reload the
// terminal). A real tablist: one tab in the Tab order; arrow keys, Home and End move
// between tabs.
import { element, setAttribute, setText } from './dashboard-dom.js';
import { makeFrame } from './dashboard-frame.js';
import type { Overview, Tab } from '../farm/overview-types.js';
import { type ProcessActions, type ProcessCard, processCard } from './dashboard-process.js';

interface TabView {
  tab: Tab;
  button: HTMLButtonElement;
  label: HTMLElement;
  meta: HTMLElement;
  panel: HTMLElement;
  card: ProcessCard;
  /** The frame in its box (dashboard-frame.ts), made the first time the tab is shown. */
  frame?: HTMLElement;
}

export interface TabStrip {
  render(tabs: readonly Tab[], overview: Overview): void;
  /** Shows that tab now, or as soon as it appears (a tab just asked for). */
  select(id: string, focus?: boolean): void;
  /** Unloads every iframe: their processes are gone. */
  unload(): void;
}

/** A tab's state in words, under its title. */
function stateInWords(tab: Tab): string {
  const what =
    tab.kind === 'builder'
      ? [tab.builder?.type === 'shell' ? "builder's shell" : tab.builder?.name, tab.builder?.status, tab.builder?.phase]
      : [tab.kind];
  return [tab.alive ? '' : 'dead', ...what].filter(Boolean).join(' · ');
}

export function tabStrip(
  list: HTMLElement,
  panels: HTMLElement,
  empty: HTMLElement,
  actions: ProcessActions,
  onSelect: (id: string) => void,
): TabStrip {
  const views = new Map<string, TabView>();
  let order: string[] = [];
  let selected: string | undefined;
  let wanted: { id: string; focus: boolean } | undefined;

  const create = (tab: Tab): TabView => {
    const label = element('span', 'tab-title');
    const meta = element('span', 'tab-meta');
    const button = element(
      'button',
      `tab tab-${tab.kind}`,
      {
        type: 'button',
        role: 'tab',
        id: `tab-${tab.id}`,
        'aria-controls': `panel-${tab.id}`,
        'aria-selected': 'false',
        tabindex: -1,
      },
      [element('span', 'tab-dot', { 'aria-hidden': 'true' }), label, meta],
    );
    button.addEventListener('click', () => show(tab.id, false));
    const card = processCard(tab.kind, actions);
    const panel = element(
      'section',
      'tabpanel',
      { role: 'tabpanel', id: `panel-${tab.id}`, 'aria-labelledby': `tab-${tab.id}`, hidden: true },
      [card.node],
    );
    panels.append(panel);
    return { tab, button, label, meta, panel, card };
  };

  const update = (view: TabView, tab: Tab, overview: Overview) => {
    view.tab = tab;
    setText(view.label, tab.title);
    const words = stateInWords(tab);
    setText(view.meta, words);
    setAttribute(view.button, 'title', `${tab.title}: ${words}`);
    setAttribute(view.button, 'data-status', tab.builder?.status);
    view.button.classList.toggle('is-dead', !tab.alive);
    view.card.update(tab, overview);
  };

  const show = (id: string, focus: boolean) => {
    const view = views.get(id);
    if (!view) return;
    for (const [otherId, other] of views) {
      const isIt = otherId === id;
      setAttribute(other.button, 'aria-selected', String(isIt));
      setAttribute(other.button, 'tabindex', isIt ? 0 : -1);
      other.panel.hidden = !isIt;
    }
    if (!view.frame) {
      view.frame = makeFrame(view.tab);
      view.panel.append(view.frame);
    }
    view.button.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    if (focus) view.button.focus();
    if (selected !== id) {
      selected = id;
      onSelect(id);
    }
  };

  // A narrow window lays the tabs out as a strip (dashboard.css): the list says which way they run.
  const orient = () =>
    setAttribute(list, 'aria-orientation', getComputedStyle(list).flexDirection === 'row' ? 'horizontal' : 'vertical');
  window.addEventListener('resize', orient);
  orient();

  list.addEventListener('keydown', (event) => {
    if (!selected || order.length === 0) return;
    const at = order.indexOf(selected);
    const after = (at + 1) % order.length;
    const before = (at - 1 + order.length) % order.length;
    const next: Record<string, number> = {
      ArrowDown: after,
      ArrowRight: after,
      ArrowUp: before,
      ArrowLeft: before,
      Home: 0,
      End: order.length - 1,
    };
    if (!(event.key in next)) return;
    event.preventDefault();
    show(order[next[event.key]!]!, true);
  });

  return {
    render(tabs, overview) {
      const ids = tabs.map((tab) => tab.id);
      const previous = order;
      order = ids;
      let hadFocus = false;
      for (const [id, view] of views) {
        if (ids.includes(id)) continue;
        hadFocus ||= view.button.contains(document.activeElement) || view.panel.contains(document.activeElement);
        view.button.remove();
        view.panel.remove();
        views.delete(id);
      }
      tabs.forEach((tab, n) => {
        let view = views.get(tab.id);
        if (!view) {
          view = create(tab);
          views.set(tab.id, view);
        }
        update(view, tab, overview);
        // Buttons may move; panels never do (a moved iframe reloads).
        if (list.children[n] !== view.button) list.insertBefore(view.button, list.children[n] ?? null);
      });
      empty.hidden = tabs.length > 0;
      if (wanted && views.has(wanted.id)) {
        show(wanted.id, wanted.focus);
        wanted = undefined;
      } else if (selected === undefined || !views.has(selected)) {
        // The selected tab closed: its neighbour takes its place.
        const was = selected === undefined ? 0 : previous.indexOf(selected);
        const neighbour = ids[Math.min(Math.max(was, 0), ids.length - 1)];
        selected = undefined;
        // Focus was on the closed tab or its Close button: it moves to the neighbour rather than to nowhere.
        if (neighbour) show(neighbour, hadFocus);
      }
    },
    select(id, focus = false) {
      if (views.has(id)) show(id, focus);
      else wanted = { id, focus };
    },
    unload() {
      for (const view of views.values()) {
        view.frame?.remove();
        view.frame = undefined;
      }
    },
  };
}
