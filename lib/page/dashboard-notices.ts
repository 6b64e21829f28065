// Short messages in a corner of the page (a refused request, a copied command) that
// cover nothing important, block nothing, and go away by themselves.
import { element } from './dashboard-dom.js';

const SHOWN_MS = { info: 4000, error: 12_000 };

export type NoticeKind = keyof typeof SHOWN_MS;

export function notifier(region: HTMLElement): (kind: NoticeKind, title: string, detail?: string) => void {
  return (kind, title, detail) => {
    const dismiss = element('button', 'notice-dismiss', { type: 'button', 'aria-label': 'Dismiss' }, ['×']);
    const notice = element('div', `notice notice-${kind}`, { role: kind === 'error' ? 'alert' : 'status' }, [
      element('div', 'notice-text', {}, [
        element('strong', '', {}, [title]),
        ...(detail ? [element('span', 'notice-detail', {}, [detail])] : []),
      ]),
      dismiss,
    ]);
    const remove = () => notice.remove();
    dismiss.addEventListener('click', remove);
    setTimeout(remove, SHOWN_MS[kind]);
    region.append(notice);
  };
}
