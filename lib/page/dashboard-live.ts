// Following the farm: /api/events pushes an `overview` event (the tower: `status`) at
// once and on every change. The browser retries a dropped stream by itself; a stream it gave up on
// (the server answered with an error, or is gone) is opened again here, a little
// later each time.
import type { Overview } from '../farm/overview-types.js';

export type Connection = 'live' | 'reconnecting';

export interface Live {
  close(): void;
}

const FIRST_RETRY_MS = 1000;
const LAST_RETRY_MS = 10_000;

export function followOverview(onOverview: (overview: Overview) => void, onConnection: (c: Connection) => void): Live {
  return followEvents('overview', onOverview, onConnection);
}

/** Every `event` of /api/events, its data parsed as JSON. */
export function followEvents<T>(event: string, onData: (data: T) => void, onConnection: (c: Connection) => void): Live {
  let source: EventSource | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let delay = FIRST_RETRY_MS;
  let closed = false;

  const open = () => {
    source = new EventSource('/api/events');
    source.addEventListener(event, (message) => {
      delay = FIRST_RETRY_MS;
      onConnection('live');
      onData(JSON.parse((message as MessageEvent<string>).data) as T);
    });
    source.addEventListener('error', () => {
      onConnection('reconnecting');
      if (source?.readyState !== EventSource.CLOSED || closed) return;
      retry = setTimeout(open, delay);
      delay = Math.min(delay * 2, LAST_RETRY_MS);
    });
  };
  open();

  return {
    close() {
      closed = true;
      clearTimeout(retry);
      source?.close();
    },
  };
}
