// The dashboard page: the overview as text, followed live through the event stream.
import type { Overview } from '../farm/overview-types.js';

const root = document.getElementById('farm')!;

function render(overview: Overview): void {
  const list = document.createElement('ul');
  for (const tab of overview.tabs) {
    const item = document.createElement('li');
    item.textContent = `${tab.id} ${tab.alive ? 'alive' : 'dead'}`;
    list.append(item);
  }
  root.replaceChildren(list);
}

render(JSON.parse(document.getElementById('initial-overview')!.textContent!) as Overview);
new EventSource('/api/events').addEventListener('overview', (event) =>
  render(JSON.parse((event as MessageEvent).data)),
);
