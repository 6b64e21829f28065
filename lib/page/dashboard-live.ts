// Following the farm: /api/events pushes an `overview` event at once and on every
// change. The browser retries a dropped stream by itself; a stream it gave up on
// (the server answered with an error, or is gone) is opened again here each second:
// a server on this machine, back within a second of its start. It is never closed: after a Stop farm the page waits for the next
// dashboard on the same port.
import type { Overview } from '../farm/overview-types.js';

export type Connection = 'live' | 'reconnecting';

const RETRY_MS = 1000;

export function followOverview(onOverview: (overview: Overview) => void, onConnection: (c: Connection) => void): void {
  let source: EventSource | undefined;

  const open = () => {
    source = new EventSource('/api/events');
    source.addEventListener('overview', (event) => {
      onConnection('live');
      onOverview(JSON.parse((event as MessageEvent<string>).data) as Overview);
    });
    source.addEventListener('error', () => {
      onConnection('reconnecting');
      if (source?.readyState !== EventSource.CLOSED) return;
      setTimeout(open, RETRY_MS);
    });
  };
  open();
}
