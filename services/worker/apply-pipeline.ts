/**
 * Why a batch handler waited for the store: no room in the queue (`apply_queue_full`), or its
 * partition's previous batch not applied yet (`previous_batch`).
 */
export type StoreWait = 'apply_queue_full' | 'previous_batch';

/**
 * Applies partition batches to the store in the background, so that Kafka fetches and decoding go on
 * while DuckDB writes.
 *
 * Why: kafkajs hands out the batches of one fetch response and fetches again only when every handler
 * of that response has returned. When the handler waited for the store, the JavaScript thread sat idle
 * while the last batches of a response were written, and the store sat idle while the next response
 * was fetched and decoded (a `--cpu-prof` of the 1M hot-path bench: the JavaScript thread idle 10.8 s
 * of 17.4 s). Here the
 * handler returns once its batch is queued; the apply runs on, and the rules stay those of a
 * synchronous handler:
 *
 * - A partition's batches are applied one after the other: `settle(p)` waits for the partition's
 *   previous apply before the next batch of p is even planned, so the store's offset it is planned
 *   against is current.
 * - A failed apply is not lost: it is kept for its partition and thrown by the next `settle(p)`, i.e.
 *   into kafkajs from the next handler of that partition, which retries and restarts the consumer as
 *   it would for a synchronous failure. So that a next batch comes even at the end of the topic, the
 *   caller seeks the partition back to its stored offset when an apply fails (`onFailure`).
 * - At most `maxInFlight` batches are queued or being applied; a handler waits for room (the
 *   backpressure that bounds the prepared batches, and kafkajs's records of the fetch in hand, held
 *   in memory).
 * - `drain()` waits for every queued apply: before the stored offsets are read for a seek after a
 *   rebalance, and before the store closes.
 *
 * Nothing here touches the exactly-once rule: each batch is still one store transaction with its
 * offset, and a crash loses only queued batches the store never committed (read again from the
 * stored offsets at restart).
 */
export class ApplyPipeline {
  private readonly tails = new Map<number, Promise<void>>();
  private readonly failures = new Map<number, Error>();
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  /** `onWait` is told how long each wait for the store took (the worker's casepipe_store_wait_seconds_total). */
  constructor(
    private readonly maxInFlight: number,
    private readonly onWait: (reason: StoreWait, seconds: number) => void = () => undefined,
  ) {
    if (!(maxInFlight >= 1)) throw new Error(`maxInFlight must be at least 1, got ${maxInFlight}`);
  }

  /** Batches queued or being applied. */
  get size(): number {
    return this.inFlight;
  }

  /** Waits until the partition's previous batch is applied; throws its error if it failed. */
  async settle(partition: number): Promise<void> {
    const tail = this.tails.get(partition);
    if (tail) {
      const since = performance.now();
      await tail;
      this.onWait('previous_batch', (performance.now() - since) / 1000);
    }
    const failure = this.failures.get(partition);
    if (failure) {
      this.failures.delete(partition);
      throw failure;
    }
  }

  /**
   * Queues `apply` for the partition (call `settle(partition)` first) and returns once it is queued,
   * after waiting for room. `onFailure` is told when it throws; the error is thrown again by the
   * partition's next `settle`.
   */
  async enqueue(partition: number, apply: () => Promise<void>, onFailure: (err: Error) => void): Promise<void> {
    if (this.inFlight >= this.maxInFlight) {
      const since = performance.now();
      while (this.inFlight >= this.maxInFlight) await new Promise<void>((resolve) => this.waiting.push(resolve));
      this.onWait('apply_queue_full', (performance.now() - since) / 1000);
    }
    this.inFlight++;
    const previous = this.tails.get(partition) ?? Promise.resolve();
    const tail = previous
      .then(apply)
      .catch((err: unknown) => {
        const error = err instanceof Error ? err : new Error(String(err));
        this.failures.set(partition, error);
        onFailure(error);
      })
      .finally(() => {
        this.inFlight--;
        if (this.tails.get(partition) === tail) this.tails.delete(partition);
        this.waiting.shift()?.();
      });
    this.tails.set(partition, tail);
  }

  /** Waits until every queued batch is applied (or failed). */
  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}
