// The bar between the two panes: dragged, or moved with the arrow keys, it sets the
// architect pane's share of the width (a CSS variable, kept across visits). It stops
// where a pane would get narrower than its minimum (--architect-min and --tabs-min in
// dashboard.css, which also hold on a window resized later), so no position hides a
// card's title or actions.
import { setAttribute } from './dashboard-dom.js';

const KEY = 'agent-farm.dashboard.split';
/** The widest bounds, in percent (as aria-valuemin and aria-valuemax in dashboard.html); the panes' minimums narrow them. */
const MIN = 20;
const MAX = 80;
const STEP = 2;
/** The architect's share before any drag (as --split in dashboard.css). */
const DEFAULT = 45;

export function splitter(bar: HTMLElement, workspace: HTMLElement): void {
  /** The shares the panes' minimums allow at the workspace's width now. */
  const bounds = () => {
    const style = getComputedStyle(workspace);
    const width = workspace.getBoundingClientRect().width;
    const pixels = (name: string) => Number.parseFloat(style.getPropertyValue(name)) || 0;
    if (width <= 0) return { min: MIN, max: MAX };
    const min = Math.max(MIN, Math.ceil((pixels('--architect-min') / width) * 100));
    const max = Math.min(MAX, Math.floor(((width - bar.offsetWidth - pixels('--tabs-min')) / width) * 100));
    return { min, max: Math.max(min, max) };
  };
  const apply = (percent: number) => {
    const { min, max } = bounds();
    const share = Math.round(Math.min(max, Math.max(min, percent)));
    workspace.style.setProperty('--split', `${share}%`);
    setAttribute(bar, 'aria-valuenow', share);
    setAttribute(bar, 'aria-valuemin', min);
    setAttribute(bar, 'aria-valuemax', max);
    return share;
  };
  const save = (share: number) => {
    try {
      localStorage.setItem(KEY, String(share));
    } catch {
      // Storage refused (a private window): the split lasts for this visit only.
    }
  };
  let share = apply(Number(safeRead(KEY)) || DEFAULT);

  bar.addEventListener('keydown', (event) => {
    const moves: Record<string, number> = { ArrowLeft: -STEP, ArrowRight: STEP, Home: -100, End: 100 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    share = apply(share + moves[event.key]!);
    save(share);
  });
  bar.addEventListener('pointerdown', (event) => {
    event.preventDefault();
    bar.setPointerCapture(event.pointerId);
    // The iframes would swallow the pointer while it crosses them.
    workspace.classList.add('is-resizing');
    const box = workspace.getBoundingClientRect();
    const move = (moved: PointerEvent) => {
      share = apply(((moved.clientX - box.left) / box.width) * 100);
    };
    const end = () => {
      workspace.classList.remove('is-resizing');
      bar.removeEventListener('pointermove', move);
      save(share);
    };
    bar.addEventListener('pointermove', move);
    bar.addEventListener('pointerup', end, { once: true });
    bar.addEventListener('pointercancel', end, { once: true });
  });
}

function safeRead(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}
