// The bottom line: the farm in counts, readable at a glance; and the window's title,
// which names the builders that wait for someone while the page is in the background.
import { byId, setAttribute, setText } from './dashboard-dom.js';
import type { Overview } from '../farm/overview-types.js';

export const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

export function statusBar(): (overview: Overview) => void {
  const architect = byId('status-architect');
  const builders = byId('status-builders');
  const shells = byId('status-shells');
  const files = byId('status-files');
  const root = byId('status-root');

  return (overview) => {
    const tabs = overview.tabs;
    const architectTab = tabs.find((tab) => tab.kind === 'architect');
    setText(architect, architectTab ? `architect ${architectTab.alive ? 'alive' : 'dead'}` : 'no architect');
    setAttribute(architect, 'data-state', architectTab ? (architectTab.alive ? 'alive' : 'dead') : 'none');

    const builderTabs = tabs.filter((tab) => tab.kind === 'builder');
    const byStatus = new Map<string, number>();
    for (const tab of builderTabs) {
      const status = tab.alive ? (tab.builder?.status ?? 'unknown') : 'dead';
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    }
    const breakdown = [...byStatus].map(([status, count]) => `${count} ${status}`).join(', ');
    setText(builders, `${plural(builderTabs.length, 'builder')}${breakdown ? ` (${breakdown})` : ''}`);
    setText(shells, plural(tabs.filter((tab) => tab.kind === 'shell').length, 'shell'));
    setText(files, plural(tabs.filter((tab) => tab.kind === 'file').length, 'file'));
    const waiting = (byStatus.get('blocked') ?? 0) + (byStatus.get('pr-ready') ?? 0);
    document.title = `${waiting > 0 ? `(${waiting} waiting) ` : ''}${overview.project.name} · agent farm`;
    setText(root, overview.project.root);
    setAttribute(root, 'title', overview.project.root);
  };
}
