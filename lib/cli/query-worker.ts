// The thread an `af db query` statement runs in. sql.js steps a statement
// synchronously: in the main thread nothing (not Ctrl-C, not a timer) could stop it,
// but a worker thread can be terminated at once. It opens its own copy of the image
// the engine loaded, so it never touches the files, and sends the rows on as JSON
// text in batches, waiting for the main thread to write them before it runs far ahead.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { AgentFarmStateError, messageOf, loadSqlJs, type Row, runReadOnlyQuery } from '../engine/index.js';

const JOB_KIND = 'af-db-query';
/** Batches sent but not yet written out, at most: what the worker may run ahead of stdout. */
const WINDOW = 4;
/** A batch goes out once it holds this much text, or after FLUSH_MS. */
const BATCH_CHARS = 64 * 1024;
const FLUSH_MS = 50;
/** What SQLite may allocate for a statement (sorts, temporary tables) before it fails with "out of memory". */
const HEAP_LIMIT_BYTES = 128 * 1024 * 1024;
/** Slots of the shared counters: batches the worker posted, batches the main thread wrote. */
const POSTED = 0;
export const WRITTEN = 1;

export interface QueryJob {
  kind: typeof JOB_KIND;
  sql: string;
  filePath: string;
  image: Uint8Array;
  /** 0: no limit. */
  maxRows: number;
  maxBytes: number;
  /** Int32Array view of a SharedArrayBuffer: [POSTED, WRITTEN]. */
  flow: Int32Array;
}

export type QueryMessage =
  | { type: 'rows'; text: string }
  | { type: 'done' }
  | { type: 'limit'; limit: 'rows' | 'bytes' | 'memory' }
  | { type: 'error'; code?: string; name?: string; message: string };

export function queryJob(job: Omit<QueryJob, 'kind'>): QueryJob {
  return { kind: JOB_KIND, ...job };
}

export function isQueryWorker(): boolean {
  return !isMainThread && (workerData as { kind?: unknown } | null)?.kind === JOB_KIND;
}

/** The output text of the JSON array the rows make, as the main thread frames it: "[\n" row ",\n" row … "\n]\n". */
const OPENING = '[\n';
export const CLOSING = '\n]\n';
export const EMPTY = '[]\n';

class OutputLimit {
  constructor(readonly limit: 'rows' | 'bytes') {}
}

export async function runQueryWorker(): Promise<void> {
  const job = workerData as QueryJob;
  const port = parentPort!;
  const post = (message: QueryMessage) => port.postMessage(message);
  let db: InstanceType<Awaited<ReturnType<typeof loadSqlJs>>['Database']> | undefined;
  try {
    const sql = await loadSqlJs();
    db = new sql.Database(job.image);
    // Temporary b-trees in SQLite's own memory, which the heap limit bounds.
    db.exec(`PRAGMA temp_store = MEMORY; PRAGMA hard_heap_limit = ${HEAP_LIMIT_BYTES}`);
    const batch = new Batcher(job, post);
    try {
      runReadOnlyQuery(db, job.sql, job.filePath, (row) => batch.add(row));
    } catch (error) {
      if (!(error instanceof OutputLimit)) throw error;
      batch.flush();
      post({ type: 'limit', limit: error.limit });
      return;
    }
    batch.flush();
    post({ type: 'done' });
  } catch (error) {
    // SQLite reached its heap limit (a sort or grouping of too many rows), or V8 would have.
    if (!(error instanceof AgentFarmStateError) && /out of memory|allocation failed/i.test(messageOf(error)))
      return post({ type: 'limit', limit: 'memory' });
    post(
      error instanceof AgentFarmStateError
        ? { type: 'error', code: error.code, name: error.name, message: error.message }
        : { type: 'error', message: messageOf(error) },
    );
  } finally {
    db?.close();
  }
}

/** Rows to JSON text, counted against the limits, sent in batches as stdout keeps up. */
class Batcher {
  private text = '';
  private rows = 0;
  private bytes = 0;
  private lastFlush = Date.now();

  constructor(
    private readonly job: QueryJob,
    private readonly post: (message: QueryMessage) => void,
  ) {}

  add(row: Row): void {
    if (this.job.maxRows > 0 && this.rows >= this.job.maxRows) throw new OutputLimit('rows');
    // As printJson indents an array of rows: each row two spaces in.
    const piece = `${this.rows === 0 ? OPENING : ',\n'}  ${JSON.stringify(row, null, 2).replace(/\n/g, '\n  ')}`;
    const pieceBytes = Buffer.byteLength(piece);
    if (this.job.maxBytes > 0 && this.bytes + pieceBytes + CLOSING.length > this.job.maxBytes)
      throw new OutputLimit('bytes');
    this.rows++;
    this.bytes += pieceBytes;
    this.text += piece;
    // The first row at once: a query that then runs long has shown that it started.
    if (this.rows === 1 || this.text.length >= BATCH_CHARS || Date.now() - this.lastFlush >= FLUSH_MS) this.flush();
  }

  flush(): void {
    this.lastFlush = Date.now();
    if (this.text === '') return;
    const flow = this.job.flow;
    const posted = Atomics.add(flow, POSTED, 1) + 1;
    this.post({ type: 'rows', text: this.text });
    this.text = '';
    // Wait while stdout is WINDOW batches behind; short waits, so terminate() is never held up.
    for (let written = Atomics.load(flow, WRITTEN); posted - written > WINDOW; written = Atomics.load(flow, WRITTEN)) {
      Atomics.wait(flow, WRITTEN, written, 100);
    }
  }
}
