/**
 * A worker thread that judges batches and prepares them for the store (`checkBatch` of
 * batch-check.ts), so that Avro decoding, validation and picking the batch's winners run beside the
 * worker's own thread, which fetches from Kafka and writes to DuckDB. That thread was the worker's
 * bound (~85% busy in the 1M hot-path bench, ~40% of it in this work and its garbage), while the
 * machine's second core had room.
 *
 * Batches are answered in the order they were sent (one thread, one queue). If the thread dies, the
 * batches in it fail (kafkajs retries them, as any failed batch) and the next batch starts a new one.
 */
import fs from 'node:fs';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { CasepipeError, type ErrorCode } from '../platform/errors.js';
import type { CheckedBatch, PackedRecords } from './batch-check.js';

/**
 * The thread's entry: in the CLI's bundle (bin/cli-bundle.mjs defines CASEPIPE_BUNDLED_RECORD_CHECK),
 * the bundle's record-check-worker.mjs; run from the sources, or when that build has been removed,
 * record-check-worker.mjs beside this file, which registers tsx and loads record-check-worker.ts.
 */
declare const CASEPIPE_BUNDLED_RECORD_CHECK: string | undefined;
function threadEntry(): URL {
  if (typeof CASEPIPE_BUNDLED_RECORD_CHECK === 'string') {
    const bundled = new URL(CASEPIPE_BUNDLED_RECORD_CHECK);
    if (fs.existsSync(bundled)) return bundled;
  }
  return new URL('./record-check-worker.mjs', import.meta.url);
}
/**
 * The thread's young generation (new space: two semi-spaces, half of this each). Its events die young,
 * batch by batch; the process' 16 MB semi-spaces (bin/casepipe.js) are for the worker's own thread.
 * 1M events of the hot-path bench, three alternating rounds: 48 MB (new space 32) 69-90k records/s,
 * 674-686 MiB; 96 (64, what the thread had while the flag below overrode this) 83-86k, 689-696 MiB;
 * 16 (16) 63-79k, 644-664 MiB: the thread promotes more and takes CPU from the worker's thread.
 */
const THREAD_YOUNG_GENERATION_MB = 48;

/** A V8 heap space of the thread and its size (committed bytes). */
export interface ThreadHeapSpace {
  space: string;
  bytes: number;
}

type Answer =
  | { id: number; checked: CheckedBatch }
  | { id: number; heap: ThreadHeapSpace[] }
  | { id: number; error: { code?: ErrorCode; canRetry: boolean; message: string; stack?: string } };

export class RecordCheckThread {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (c: CheckedBatch) => void; reject: (e: Error) => void }>();
  private readonly heapWaiting = new Map<number, (spaces: ThreadHeapSpace[] | undefined) => void>();

  /**
   * Starts the thread now, if none runs: it loads its code while the worker joins its group and
   * fetches, instead of holding up the first batch (~1 s from the sources through tsx).
   */
  warmUp(): void {
    if (!this.worker) this.start();
  }

  /** Judges and prepares the batch on the thread; `packed`'s buffers are transferred (unusable here after). */
  check(packed: PackedRecords): Promise<CheckedBatch> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<CheckedBatch>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, packed }, [packed.bytes, packed.layout.buffer, packed.timestampsMs.buffer, packed.offsets.buffer] as ArrayBuffer[]);
    });
  }

  /** The thread's V8 heap by space; undefined when no thread runs (none is started to answer). */
  heapSpaces(): Promise<ThreadHeapSpace[] | undefined> {
    const worker = this.worker;
    if (!worker) return Promise.resolve(undefined);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.heapWaiting.set(id, resolve);
      worker.postMessage({ id, heap: true });
    });
  }

  /** Ends the thread (batches still in it fail). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private start(): Worker {
    // V8 takes the flag --max-semi-space-size (bin/casepipe.js: 16) over an isolate's own young
    // generation limit, so the thread had the worker's 64 MB new space whatever this said. The worker's
    // heap is sized at its start; clearing the flag (0: unset) lets the thread's heap take the limit.
    v8.setFlagsFromString('--max-semi-space-size=0');
    const worker = new Worker(threadEntry(), { resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB } });
    worker.unref();
    worker.on('message', (answer: Answer) => {
      if ('heap' in answer) {
        this.heapWaiting.get(answer.id)?.(answer.heap);
        this.heapWaiting.delete(answer.id);
        return;
      }
      const w = this.waiting.get(answer.id);
      if (!w) return;
      this.waiting.delete(answer.id);
      if ('checked' in answer) {
        w.resolve(answer.checked);
        return;
      }
      const { code, canRetry, message } = answer.error;
      w.reject(code ? new CasepipeError(code, message, { canRetry }) : new Error(`record-check thread: ${message}`));
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
      for (const answer of this.heapWaiting.values()) answer(undefined);
      this.heapWaiting.clear();
    };
    worker.on('error', (err) => fail(new Error(`the record-check thread failed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => fail(new Error(`the record-check thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }
}
