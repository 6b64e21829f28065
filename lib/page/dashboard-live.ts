// Following the farm: /api/events pushes an `overview` event (the tower: `status`) at
// once and on every change. The browser retries a dropped stream by itself; a stream
// it gave up on (the server answered with an error, or is gone) is opened again here
// each second: a server on this machine, back within a second of its start. It is
// never closed: after a Stop farm the page waits for the next dashboard on its port.
import type { Overview } from '../farm/overview-types.js';

export type Connection = 'live' | 'reconnecting';

const RETRY_MS = 1000;

export function followOverview(onOverview: (overview: Overview) => void, onConnection: (c: Connection) => void): void {
  followEvents('overview', onOverview, onConnection);
}

/** Every `event` of /api/events, its data parsed as JSON. */
export function followEvents<T>(event: string, onData: (data: T) => void, onConnection: (c: Connection) => void): void {
  let source: EventSource | undefined;

  const open = () => {
    source = new EventSource('/api/events');
    source.addEventListener(event, (message) => {
      onConnection('live');
      onData(JSON.parse((message as MessageEvent<string>).data) as T);
    });
    source.addEventListener('error', () => {
      onConnection('reconnecting');
      if (source?.readyState !== EventSource.CLOSED) return;
      setTimeout(open, RETRY_MS);
    });
  };
  open();
}
