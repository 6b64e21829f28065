// The page's modal dialogs (new shell, open file, confirmations): native <dialog>s,
// so focus stays inside and Escape cancels. Submitting runs the dialog's action
// while the dialog stays open; a refusal is shown in the dialog, to be corrected or
// cancelled, and success closes it.
import { ApiError } from './dashboard-api.js';
import { setText } from './dashboard-dom.js';

/** A dialog's action: it may return what to do once the dialog has closed (and given focus back). */
export type DialogAction = (fields: FormData) => Promise<(() => void) | undefined>;

export interface ActionDialog {
  /** Opens the dialog empty; `run` gets the form's fields when the user submits. */
  open(run: DialogAction): void;
}

export function describeError(error: unknown): string {
  if (error instanceof ApiError) return `${error.message} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}

export function actionDialog(dialog: HTMLDialogElement): ActionDialog {
  const form = dialog.querySelector('form')!;
  const error = dialog.querySelector<HTMLElement>('.dialog-error')!;
  const submit = form.querySelector<HTMLButtonElement>('[type=submit]')!;
  let run: DialogAction | undefined;

  dialog.querySelector('[data-cancel]')?.addEventListener('click', () => dialog.close());
  form.addEventListener('submit', async (event) => {
    // Handled here: the page's policy allows no form navigation, and none is wanted.
    event.preventDefault();
    if (!run || submit.disabled) return;
    submit.disabled = true;
    setText(error, '');
    try {
      const then = await run(new FormData(form));
      dialog.close();
      then?.();
    } catch (failure) {
      setText(error, describeError(failure));
    } finally {
      submit.disabled = false;
    }
  });

  return {
    open(action) {
      run = action;
      form.reset();
      setText(error, '');
      dialog.showModal();
    },
  };
}
