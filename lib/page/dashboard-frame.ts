// A process's frame: its web terminal, or the file's text. A terminal keeps every key
// once it has the focus, so Tab never walks into one: the terminal's box stands in the
// Tab order instead (its ring shows where the focus is), Enter there types into the
// terminal, and the leave key (terminal-leave.ts) brings the focus back to the box, from
// where Tab goes on. A click types into the terminal at once.
import type { Tab } from '../farm/overview-types.js';
import { element } from './dashboard-dom.js';
import { LEAVE_KEY, LEAVE_MESSAGE } from './terminal-leave.js';

const frameUrl = (tab: Tab) => tab.file?.url ?? `/terminal/${encodeURIComponent(tab.id)}`;

/** The frame in its box: the node to place in the page (and to remove with it). */
export function makeFrame(tab: Tab): HTMLElement {
  const frame = element('iframe', tab.kind === 'file' ? 'frame frame-file' : 'frame', {
    src: frameUrl(tab),
    title: tab.kind === 'file' ? `File ${tab.title}` : `Terminal of ${tab.kind} ${tab.title}`,
  });
  if (tab.kind === 'file') {
    // A file's text needs no script of its own, and it is read with the keys the browser gives a page.
    frame.sandbox.value = '';
    return element('div', 'frame-box', {}, [frame]);
  }
  frame.tabIndex = -1;
  const how = `Enter types in this terminal; ${LEAVE_KEY} leaves it`;
  const box = element(
    'div',
    'frame-box frame-terminal',
    { tabindex: 0, role: 'group', 'aria-label': `${frame.title}. ${how}.`, title: `${how}.` },
    [frame, element('span', 'frame-hint', { 'aria-hidden': 'true' }, [how])],
  );
  box.addEventListener('keydown', (event) => {
    if (event.target !== box || event.key !== 'Enter') return;
    event.preventDefault();
    frame.focus();
  });
  return box;
}

/** The leave key pressed in a terminal of this page: the focus goes to that terminal's box. */
export function takeFocusFromTerminals(): void {
  window.addEventListener('message', (event) => {
    if (event.origin !== location.origin || (event.data as { type?: unknown })?.type !== LEAVE_MESSAGE) return;
    const frame = [...document.querySelectorAll('iframe')].find(
      (candidate) => candidate.contentWindow === event.source,
    );
    frame?.closest<HTMLElement>('.frame-box')?.focus();
  });
}
