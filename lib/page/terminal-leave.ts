// The key that leaves a web terminal. Inside a terminal every key belongs to its
// program (Tab completes, Escape and Escape twice are the agents' own), so the way out
// is a chord programs do not get apart from its plain form: Ctrl+Shift+E (as an editor's
// "focus the files" key). The terminal page keeps it from xterm.js and asks the
// dashboard, its parent of the same origin, to take the focus back.
import type { Terminal } from '@xterm/xterm';

/** How the page names the key, wherever it says how to leave a terminal. */
export const LEAVE_KEY = 'Ctrl+Shift+E';
/** The message a terminal page posts to the dashboard when the key is pressed in it. */
export const LEAVE_MESSAGE = 'agent-farm:leave-terminal';

export const isLeaveKey = (event: KeyboardEvent) =>
  event.ctrlKey && event.shiftKey && !event.altKey && !event.metaKey && event.key.toLowerCase() === 'e';

/** In a terminal framed by the dashboard: the key leaves it, and the frame focused by the dashboard types into it. */
export function leaveByKey(terminal: Terminal): void {
  if (window.parent === window) return;
  terminal.attachCustomKeyEventHandler((event) => {
    if (!isLeaveKey(event)) return true;
    event.preventDefault();
    if (event.type === 'keydown') {
      terminal.blur();
      window.parent.postMessage({ type: LEAVE_MESSAGE }, location.origin);
    }
    return false;
  });
  window.addEventListener('focus', () => terminal.focus());
}
