// The New builder dialog: every mode of `af spawn` (spec, task with files, protocol,
// shell, worktree). Choosing a mode shows its fields and takes the others out of the
// form (a disabled fieldset is neither checked nor sent); the request goes to the
// same route, and the same code, as the command.
import type { BuilderRequest } from './dashboard-api.js';

/** Shows the chosen mode's fields; call once with the dialog. */
export function wireBuilderModes(dialog: HTMLDialogElement): void {
  const show = () => {
    const mode = (dialog.querySelector<HTMLInputElement>('input[name=mode]:checked')?.value ?? 'spec') as string;
    for (const fields of dialog.querySelectorAll<HTMLFieldSetElement>('.mode-fields')) {
      const shown = fields.dataset.mode === mode;
      fields.hidden = !shown;
      fields.disabled = !shown;
    }
  };
  dialog.addEventListener('change', (event) => {
    if ((event.target as HTMLInputElement).name === 'mode') show();
  });
  // The form is reset each time the dialog opens: the spec mode again.
  dialog.querySelector('form')!.addEventListener('reset', () => setTimeout(show));
}

export function builderRequest(fields: FormData): BuilderRequest {
  const text = (name: string) => String(fields.get(name) ?? '').trim();
  switch (text('mode')) {
    case 'task':
      return { mode: 'task', task: String(fields.get('task') ?? ''), files: text('files') };
    case 'protocol':
      return { mode: 'protocol', protocol: text('protocol') };
    case 'shell':
      return { mode: 'shell' };
    case 'worktree':
      return { mode: 'worktree' };
    default:
      return { mode: 'spec', project: text('project') };
  }
}
