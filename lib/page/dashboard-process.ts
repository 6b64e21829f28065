// The header above a terminal or file: what runs there (status, phase, port, pid,
// alive or dead, worktree and branch), how to attach to it from a shell, and its
// close button. Built once per tab, then updated in place: its size never depends on
// the state, so nothing below it moves.
import { element, setAttribute, setText } from './dashboard-dom.js';
import { messageBox, type SendRequest } from './dashboard-message-box.js';
import type { Overview, Tab, TabKind } from '../farm/overview-types.js';

interface Fact {
  label: string;
  value: (tab: Tab, overview: Overview) => string;
  /** Paths and branches: shrink first, with the whole value in a tooltip. */
  long?: boolean;
}

/** A path inside the project, as the project sees it. */
function inProject(path: string, overview: Overview): string {
  const root = overview.project.root.replace(/\/+$/, '');
  return path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path;
}

/** Local time of day, or the whole date when it was not today. */
function when(iso: string | undefined): string {
  const date = iso ? new Date(iso) : undefined;
  if (!date || Number.isNaN(date.getTime())) return '—';
  const today = date.toDateString() === new Date().toDateString();
  return today ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : date.toLocaleString();
}

/** What a builder works on, in the words it was given: its task, protocol or spec. */
function assignment(tab: Tab, overview: Overview): string {
  const builder = overview.state.builders.find((candidate) => `builder-${candidate.id}` === tab.id);
  if (builder?.type === 'shell') return "a builder's shell, in the project folder";
  return builder?.taskText || (builder?.protocolName ? `protocol ${builder.protocolName}` : builder?.name || '');
}

const port: Fact = { label: 'port', value: (tab) => String(tab.port) };
const pid: Fact = { label: 'pid', value: (tab) => (tab.pid > 0 ? String(tab.pid) : '—') };
const FACTS: Record<TabKind, Fact[]> = {
  architect: [
    port,
    pid,
    { label: 'started', value: (_, overview) => when(overview.state.architect?.startedAt) },
    { label: 'command', value: (_, overview) => overview.state.architect?.cmd || '—', long: true },
  ],
  builder: [
    { label: 'phase', value: (tab) => tab.builder?.phase || '—' },
    port,
    pid,
    { label: 'branch', value: (tab) => tab.builder?.branch || '—' },
    { label: 'worktree', value: (tab, overview) => inProject(tab.builder?.worktree || '—', overview), long: true },
  ],
  shell: [port, pid],
  file: [{ label: 'path', value: (tab) => tab.file?.path ?? tab.title, long: true }, port, pid],
};

export interface ProcessActions {
  copy(text: string, node: HTMLElement): void;
  /** Types a message into a builder's or the architect's terminal. */
  send(request: SendRequest): Promise<void>;
  /** The close button's action; none for the architect. */
  close?: (tab: Tab) => void;
  /** A builder whose process ended: start it again (af spawn --resume), or clean it up (af cleanup). */
  restart?: (tab: Tab) => void;
  cleanUp?: (tab: Tab) => void;
}

export interface ProcessCard {
  node: HTMLElement;
  update(tab: Tab, overview: Overview): void;
}

const CLOSE_LABEL: Record<TabKind, string> = {
  architect: '',
  builder: 'Stop builder…',
  shell: 'Close shell',
  file: 'Close file',
};

export function processCard(kind: TabKind, actions: ProcessActions): ProcessCard {
  let current: Tab | undefined;
  const title = element('h2', 'process-title');
  const status = element('span', 'badge');
  const liveness = element('span', 'liveness');
  const values = FACTS[kind].map(() => element('span', 'fact-value'));
  const facts = FACTS[kind].map((fact, n) =>
    element('span', fact.long ? 'fact fact-long' : 'fact', {}, [
      element('span', 'fact-label', {}, [fact.label]),
      values[n]!,
    ]),
  );
  const attach = element('code', 'attach-command');
  const copy = element('button', 'button button-small', { type: 'button' }, ['Copy']);
  copy.addEventListener('click', () => actions.copy(attach.textContent ?? '', attach));
  const open = element('a', 'button button-small', { target: '_blank', rel: 'noopener' }, ['Open in a new tab']);
  const how =
    kind === 'file'
      ? element('div', 'process-how', {}, [open])
      : element('div', 'process-how', {}, [element('span', 'fact-label', {}, ['attach']), attach, copy]);
  const subtitle = element('span', 'process-subtitle');
  const heading = element('div', 'process-heading', {}, [
    title,
    ...(kind === 'builder' ? [status] : []),
    liveness,
    subtitle,
  ]);
  // A builder's instructions (there whether or not its session is), opened over what lies below.
  const instructionsText = element('pre', 'instructions-text');
  const instructions = element('details', 'instructions', {}, [
    element('summary', 'button button-small', {}, ['Instructions']),
    instructionsText,
  ]);
  // An ended builder is not a dead end: it can start again where it was, or be removed.
  const ended = element('span', 'process-ended', { hidden: true });
  if (kind === 'builder') {
    heading.append(instructions);
    const restart = element('button', 'button button-small button-primary', { type: 'button' }, ['Restart']);
    restart.addEventListener('click', () => current && actions.restart?.(current));
    const cleanUp = element('button', 'button button-small', { type: 'button' }, ['Clean up…']);
    cleanUp.addEventListener('click', () => current && actions.cleanUp?.(current));
    ended.append(restart, cleanUp);
    heading.append(ended);
  }
  if (actions.close) {
    const close = element('button', 'button button-small button-quiet process-close', { type: 'button' }, [
      CLOSE_LABEL[kind],
    ]);
    close.addEventListener('click', () => current && actions.close?.(current));
    heading.append(close);
  }
  const box = kind === 'builder' || kind === 'architect' ? messageBox(actions.send) : undefined;
  const node = element('header', `process process-${kind}${box ? ' has-message-box' : ''}`, {}, [
    heading,
    element('div', 'process-facts', {}, facts),
    how,
    ...(box ? [box.node] : []),
  ]);

  return {
    node,
    update(tab, overview) {
      current = tab;
      setText(
        title,
        tab.kind === 'architect' ? 'Architect' : tab.kind === 'builder' ? `Builder ${tab.title}` : tab.title,
      );
      setAttribute(title, 'title', tab.title);
      const builderStatus = tab.builder?.status ?? '';
      setText(status, builderStatus);
      setAttribute(status, 'class', `badge status-${builderStatus}`);
      setText(liveness, tab.alive ? 'alive' : 'dead');
      setAttribute(liveness, 'class', tab.alive ? 'liveness is-alive' : 'liveness is-dead');
      node.classList.toggle('is-dead', !tab.alive);
      ended.hidden = tab.alive;
      const task = kind === 'builder' ? assignment(tab, overview) : '';
      setText(subtitle, task);
      setAttribute(subtitle, 'title', task || undefined);
      FACTS[kind].forEach((fact, n) => {
        const value = fact.value(tab, overview);
        setText(values[n]!, value);
        if (fact.long) setAttribute(values[n]!, 'title', value);
      });
      setText(attach, tab.terminal?.attach ?? '');
      // Nothing to attach to: no empty command to copy (the card keeps its height).
      if (kind !== 'file') how.hidden = !tab.terminal?.attach;
      setAttribute(open, 'href', tab.file?.url);
      const prompt = tab.builder?.instructions;
      instructions.hidden = prompt === undefined;
      setText(instructionsText, prompt ?? '');
      const target = tab.kind === 'architect' ? 'architect' : tab.id.replace(/^builder-/, '');
      box?.update(target, tab.kind === 'architect' ? 'the architect' : `builder ${target}`, tab.alive);
    },
  };
}
