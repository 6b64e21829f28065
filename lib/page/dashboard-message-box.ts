// The message box of a builder's or the architect's card: text typed into the agent's
// terminal as one paste, then Enter, through the same code as `af send` (the
// server's /api/send). Ctrl+Enter (or the button) sends; Enter makes a new line, as
// in any multi-line box. What happened is said under it, for screen readers too.
import { element, setText } from './dashboard-dom.js';

export interface SendRequest {
  to: string;
  message: string;
  interrupt: boolean;
}

export interface MessageBox {
  node: HTMLElement;
  /** Whom it sends to ('architect' or a builder's id), and whether that one can take it now. */
  update(to: string, label: string, alive: boolean): void;
}

export function messageBox(send: (request: SendRequest) => Promise<void>): MessageBox {
  let to = '';
  let label = '';
  let alive = false;
  const text = element('textarea', 'message-text', {
    rows: 1,
    'aria-label': 'Message (Ctrl+Enter sends)',
    title: 'Ctrl+Enter sends; Enter starts a new line',
    spellcheck: 'false',
  });
  const interrupt = element('input', '', { type: 'checkbox' });
  const submit = element('button', 'button button-small', { type: 'submit' }, ['Send']);
  const result = element('span', 'message-result', { role: 'status', 'aria-live': 'polite' });
  const form = element('form', 'message-box', {}, [
    text,
    element('label', 'message-interrupt', { title: 'Press Ctrl-C in the terminal before the message' }, [
      interrupt,
      ' Ctrl-C first',
    ]),
    submit,
    result,
  ]);

  const sendNow = async () => {
    const message = text.value;
    if (message.trim() === '' || submit.disabled) return;
    submit.disabled = true;
    setText(result, 'sending…');
    result.className = 'message-result';
    try {
      await send({ to, message, interrupt: interrupt.checked });
      text.value = '';
      interrupt.checked = false;
      setText(
        result,
        `sent ${new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })}`,
      );
    } catch (error) {
      setText(result, error instanceof Error ? error.message : String(error));
      result.className = 'message-result is-error';
    } finally {
      submit.disabled = !alive;
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void sendNow();
  });
  text.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void sendNow();
    }
  });

  return {
    node: form,
    update(target, name, running) {
      to = target;
      label = name;
      alive = running;
      text.placeholder = alive ? `Message to ${label}` : `${label} is not running`;
      text.disabled = !alive;
      submit.disabled = !alive;
    },
  };
}
