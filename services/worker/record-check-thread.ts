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
import { Worker } from 'node:worker_threads';
import { CasepipeError, type ErrorCode } from '../platform/errors.js';
import type { CheckedBatch, PackedRecords } from './batch-check.js';

/** Registers tsx in the thread, then loads record-check-worker.ts. */
const ENTRY = new URL('./record-check-worker.mjs', import.meta.url);
/**
 * The thread's events die young, batch by batch; the process' 32 MB semi-spaces (bin/casepipe.js) are
 * for the worker's own thread. 10M events of the hot-path bench: peak RSS 830-844 MiB with 8-16 MB
 * against 865-906 with the inherited size, the same speed.
 */
const THREAD_YOUNG_GENERATION_MB = 16;

type Answer = { id: number; checked: CheckedBatch } | { id: number; error: { code?: ErrorCode; canRetry: boolean; message: string; stack?: string } };

export class RecordCheckThread {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (c: CheckedBatch) => void; reject: (e: Error) => void }>();

  /** Judges and prepares the batch on the thread; `packed`'s buffers are transferred (unusable here after). */
  check(packed: PackedRecords): Promise<CheckedBatch> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<CheckedBatch>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, packed }, [packed.bytes, packed.layout.buffer, packed.timestampsMs.buffer, packed.offsets.buffer] as ArrayBuffer[]);
    });
  }

  /** Ends the thread (batches still in it fail). */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private start(): Worker {
    const worker = new Worker(ENTRY, { resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB } });
    worker.unref();
    worker.on('message', (answer: Answer) => {
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
    };
    worker.on('error', (err) => fail(new Error(`the record-check thread failed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => fail(new Error(`the record-check thread exited (code ${code})`)));
    this.worker = worker;
    return worker;
  }
}
