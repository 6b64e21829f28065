// The web terminal page: xterm.js filling its frame, wired to the dashboard's
// terminal socket. Keys go out as bytes, the pane's bytes come in, the size follows
// the frame; the status says when the page is read-only (a process without tmux),
// starting, reconnecting (counting down), or that the process ended. Each hello is a
// new process on the tab: the screen starts anew.
import { FitAddon } from '@xterm/addon-fit';
import { type ITheme, Terminal } from '@xterm/xterm';
import { type ServerMessage, TerminalConnection } from './terminal-connection.js';
import { leaveByKey } from './terminal-leave.js';

const DARK: ITheme = { background: '#1e1f22', foreground: '#e6e6e6', cursor: '#e6e6e6' };
const LIGHT: ITheme = {
  background: '#fbfbfb',
  foreground: '#1d1f23',
  cursor: '#1d1f23',
  selectionBackground: '#b5d3ff',
};

const body = document.body;
const status = document.getElementById('status')!;
const container = document.getElementById('terminal')!;
const lightScheme = window.matchMedia('(prefers-color-scheme: light)');

const terminal = new Terminal({
  fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace',
  fontSize: 14,
  scrollback: 5000,
  theme: lightScheme.matches ? LIGHT : DARK,
});
const fit = new FitAddon();
terminal.loadAddon(fit);
terminal.open(container);
fit.fit();
leaveByKey(terminal);
lightScheme.addEventListener('change', () => {
  terminal.options.theme = lightScheme.matches ? LIGHT : DARK;
});

let countdown: ReturnType<typeof setInterval> | undefined;

function show(state: 'connected' | 'reconnecting' | 'ended' | 'read-only' | 'starting', text?: string): void {
  clearInterval(countdown);
  body.dataset.state = state;
  status.hidden = text === undefined;
  status.textContent = text ?? '';
}

/** The wait before the next try, in whole seconds going down. */
function showRetry(retryMs: number): void {
  const at = Date.now() + retryMs;
  const say = () => {
    const seconds = Math.ceil((at - Date.now()) / 1000);
    status.textContent =
      seconds > 0 ? `connection lost — reconnecting in ${seconds} s` : 'connection lost — reconnecting…';
  };
  show('reconnecting', '');
  say();
  countdown = setInterval(say, 250);
}

const sendSize = () => connection.send(JSON.stringify({ type: 'resize', cols: terminal.cols, rows: terminal.rows }));
const encoder = new TextEncoder();
const socketUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/terminal/${encodeURIComponent(body.dataset.tab ?? '')}/socket`;

const connection = new TerminalConnection(socketUrl, {
  onOpen: sendSize,
  onOutput: (bytes) => terminal.write(bytes),
  onMessage(message: ServerMessage) {
    if (message.type === 'hello') {
      terminal.reset();
      // A detached process's log is plain lines: each "\n" starts a new line at the left.
      terminal.options.convertEol = message.mode === 'log';
      terminal.options.disableStdin = message.readOnly;
      if (message.mode === 'starting') show('starting', `${message.reason ?? 'starting'}…`);
      else if (message.readOnly) show('read-only', `read-only — ${message.reason ?? 'this terminal takes no input'}`);
      else show('connected');
    } else {
      show('ended', `ended — ${message.reason}`);
      terminal.options.disableStdin = true;
    }
  },
  onLost: showRetry,
});
// The dashboard says when its server answers again: no need to wait out the backoff.
window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (event.origin !== location.origin || (event.data as { type?: unknown } | null)?.type !== 'reconnect') return;
  connection.retryNow();
});

terminal.onData((data) => connection.send(encoder.encode(data)));
// Mouse reports in the X10 encoding: one character a byte.
terminal.onBinary((data) => connection.send(Uint8Array.from(data, (char) => char.charCodeAt(0))));
terminal.onResize(sendSize);
// The pane takes the size of the page that resized or took the focus last (as tmux does for its own clients).
container.addEventListener('focusin', sendSize);
new ResizeObserver(() => fit.fit()).observe(container);
// Opened on its own, the terminal takes the keys at once; framed by the dashboard, it waits to be clicked or
// tabbed into, and never takes the focus from the dashboard's own controls as it loads.
if (window.self === window.top) terminal.focus();
