// The left pane: the architect's process card and its web terminal, or, with no
// architect recorded, how to start one. The iframe is made once and kept while the
// architect is there.
import type { Overview, Tab } from '../farm/overview-types.js';
import { type ProcessActions, processCard } from './dashboard-process.js';
import { makeFrame } from './dashboard-frame.js';

export interface ArchitectPane {
  render(tab: Tab | undefined, overview: Overview): void;
  unload(): void;
}

export function architectPane(pane: HTMLElement, empty: HTMLElement, actions: ProcessActions): ArchitectPane {
  const card = processCard('architect', actions);
  let frame: HTMLElement | undefined;
  card.node.hidden = true;
  pane.prepend(card.node);

  return {
    render(tab, overview) {
      empty.hidden = tab !== undefined;
      card.node.hidden = tab === undefined;
      if (!tab) {
        frame?.remove();
        frame = undefined;
        return;
      }
      card.update(tab, overview);
      if (!frame) {
        frame = makeFrame(tab);
        pane.append(frame);
      }
    },
    unload() {
      frame?.remove();
      frame = undefined;
    },
  };
}
