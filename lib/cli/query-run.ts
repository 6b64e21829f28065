// `af db query` in the main thread: the statement runs in a worker thread (see
// query-worker.ts) while this thread keeps the signals, the time limit and stdout.
// Rows are written as they come, as one JSON array; whatever ends the query once
// rows were printed (its end, a limit, a signal, an error), the array is closed, so
// stdout stays valid JSON holding the rows printed so far, and the reason goes to stderr.
import { resolve as resolvePath } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AgentFarmStateError, type SharedDatabase } from '../engine/index.js';
import { type ErrorCode, InterruptedError, QueryLimitError } from '../shared/errors.js';
import { drained, isStdoutClosed, onStdoutClosed, writeOut } from './io.js';
import { CLOSING, EMPTY, queryJob, WRITTEN, type QueryMessage } from './query-worker.js';

export interface QueryLimits {
  /** Milliseconds the statement may run; 0: no limit. */
  timeoutMs: number;
  /** Rows it may print; 0: no limit. */
  maxRows: number;
  /** Bytes of JSON it may print; 0: no limit. */
  maxBytes: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { timeoutMs: 10_000, maxRows: 10_000, maxBytes: 16 * 1024 * 1024 };
/** What the worker's own JavaScript may hold (a batch of rows as text): far below it, always. */
const WORKER_HEAP_MB = 128;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** What each limit reached says, and the option that raises it. */
const REACHED = {
  time: (limits: QueryLimits) => [
    `it ran for its time limit of ${limits.timeoutMs} ms`,
    'Raise the limit with --timeout <ms> (0 for none).',
  ],
  rows: (limits: QueryLimits) => [
    `it reached the output limit of ${limits.maxRows} rows (those were printed)`,
    'Raise the limit with --max-rows <n> (0 for none), or narrow the query (WHERE, LIMIT).',
  ],
  bytes: (limits: QueryLimits) => [
    `it reached the output limit of ${limits.maxBytes} bytes (the rows within it were printed)`,
    'Raise the limit with --max-bytes <n> (0 for none), or select fewer columns.',
  ],
  memory: () => [
    'it needed more memory than a query may use (sorting or grouping too many rows)',
    'Narrow it with WHERE or LIMIT.',
  ],
} as const;

function limitReached(filePath: string, limit: keyof typeof REACHED, limits: QueryLimits): QueryLimitError {
  const [reached, advice] = REACHED[limit](limits);
  return new QueryLimitError(filePath, limit, reached, advice);
}

/** Runs `sql` read-only on the latest committed state of `database`, streaming its rows to stdout. */
export async function streamQuery(database: SharedDatabase, sql: string, limits: QueryLimits): Promise<void> {
  const image = await database.committedImage();
  const flow = new Int32Array(new SharedArrayBuffer(8));
  // The worker is the bin started again, told by its workerData what to do.
  const worker = new Worker(resolvePath(process.argv[1]!), {
    workerData: queryJob({
      sql,
      filePath: database.path,
      image,
      maxRows: limits.maxRows,
      maxBytes: limits.maxBytes,
      flow,
    }),
    transferList: [image.buffer as ArrayBuffer],
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    stdout: false,
    stderr: false,
  });
  let printedRows = false;
  let finished = false;
  const cleanups: Array<() => void> = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let stopped = false;
      const stop = (error?: Error) => {
        if (stopped) return;
        stopped = true;
        void worker.terminate();
        if (error) reject(error);
        else resolve();
      };
      worker.on('message', (message: QueryMessage) => {
        if (stopped) return; // what was on its way when a limit or a signal came: not printed
        switch (message.type) {
          case 'rows':
            printedRows = true;
            writeOut(message.text);
            void drained().then(() => {
              Atomics.add(flow, WRITTEN, 1);
              Atomics.notify(flow, WRITTEN);
            });
            return;
          case 'done':
            finished = true;
            return stop();
          case 'limit':
            return stop(limitReached(database.path, message.limit, limits));
          case 'error':
            return stop(fromWorker(message));
        }
      });
      worker.on('error', (error: Error & { code?: string }) =>
        stop(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? limitReached(database.path, 'memory', limits) : error),
      );
      worker.on('exit', () => stop(new Error('the query thread ended before the query did')));
      if (limits.timeoutMs > 0) {
        const timer = setTimeout(() => stop(limitReached(database.path, 'time', limits)), limits.timeoutMs);
        cleanups.push(() => clearTimeout(timer));
      }
      for (const signal of SIGNALS) {
        const onSignal = () => stop(new InterruptedError(signal, 'the query', `${database.path} was not changed.`));
        process.on(signal, onSignal);
        cleanups.push(() => process.off(signal, onSignal));
      }
      // Nobody reads the rows any more (`| head`): stop quietly.
      cleanups.push(onStdoutClosed(() => stop()));
      if (isStdoutClosed()) stop();
    });
  } finally {
    for (const cleanup of cleanups) cleanup();
    // Rows printed make an array closed whatever came next; an error before any row prints nothing.
    if (printedRows) writeOut(CLOSING);
    else if (finished) writeOut(EMPTY);
  }
}

/** The worker's error as this thread's: a typed error keeps its code and message. */
function fromWorker(message: Extract<QueryMessage, { type: 'error' }>): Error {
  if (!message.code) return new Error(message.message);
  const error = new AgentFarmStateError(message.code as ErrorCode, message.message);
  error.name = message.name ?? error.name;
  return error;
}
