// The bar between the two panes: dragged, or moved with the arrow keys, it sets the
// architect pane's share of the width (a CSS variable, kept across visits).
import { setAttribute } from './dashboard-dom.js';

const KEY = 'agent-farm.dashboard.split';
/** As aria-valuemin and aria-valuemax of the bar in dashboard.html. */
const MIN = 20;
const MAX = 80;
const STEP = 2;
/** The architect's share before any drag (as --split in dashboard.css). */
const DEFAULT = 45;

export function splitter(bar: HTMLElement, workspace: HTMLElement): void {
  const apply = (percent: number) => {
    const share = Math.round(Math.min(MAX, Math.max(MIN, percent)));
    workspace.style.setProperty('--split', `${share}%`);
    setAttribute(bar, 'aria-valuenow', share);
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
    const moves: Record<string, number> = { ArrowLeft: -STEP, ArrowRight: STEP, Home: MIN - share, End: MAX - share };
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
