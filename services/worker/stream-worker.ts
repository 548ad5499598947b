/**
 * The stream worker: reads case events per partition batch, dead-letters what cannot be counted, and
 * applies the rest to the live store in one transaction together with the partition's next offset.
 *
 * Exactly-once effects with at-least-once delivery (ARCHITECTURE invariant 3): the store's offsets are
 * the truth. Every partition the group assigns is sought to its stored next offset; what a fetched
 * batch then means (skip, apply, seek back) is decided by services/store/batch-plan.ts. The Kafka
 * commit after the transaction is only a hint for lag tools.
 *
 * A batch's records are judged and prepared for the store by batch-check.ts, by default on the
 * record-check thread (record-check-thread.ts) while this thread fetches and writes.
 */
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, PartitionAssigner, Producer } from 'kafkajs';
import { deadLetterMessage, type DeadLetterMessage } from '../contract/dead-letter.js';
import { isCasepipeError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import { planBatch } from '../store/batch-plan.js';
import type { BatchResult, PreparedPartitionBatch } from '../store/batch.js';
import { ApplyPipeline } from './apply-pipeline.js';
import { checkRecords, packRecords, type CheckedBatch, type InvalidRecord } from './batch-check.js';
import { RecordCheckThread, type ThreadHeapSpace } from './record-check-thread.js';
import type { WorkerMetrics } from './worker-metrics.js';

/** Consumer restarts in a row (without a successful batch between) before the process gives up. */
export const MAX_RESTARTS = 5;
/** While the disk under the store is full, a batch is tried again after 0.25 s, doubling up to this. */
const DISK_FULL_MAX_WAIT_MS = 5_000;

/**
 * What the worker needs of the live store. The store keeps the partitions' next offsets (one cache,
 * the store's own: it is their only writer); the worker asks for them before each batch.
 */
export interface WorkerStore {
  storedOffsets(topic: string): Promise<Map<number, bigint | string>>;
  applyBatch(batch: PreparedPartitionBatch): Promise<BatchResult>;
}

export interface StreamWorkerOptions {
  kafka: Kafka;
  store: WorkerStore;
  logger: Logger;
  metrics: WorkerMetrics;
  topic: string;
  deadLetterTopic: string;
  groupId: string;
  /** Called when kafkajs gives up (CRASH without restart): the process should exit non-zero. */
  onFatal?: (err: Error) => void;
  maxBytesPerPartition?: number;
  /** How long the group waits for a silent member (a crashed worker) before reassigning its partitions. */
  sessionTimeoutMs?: number;
  /**
   * Where batches are decoded, validated and prepared for the store: on a thread beside this one
   * (record-check-thread.ts; default) or on this one ('inline', ~45-65 MiB less peak memory).
   */
  recordCheck?: 'thread' | 'inline';
  /** Partition batches handled (planned, decoded, validated) at once (default 3). */
  partitionsConcurrently?: number;
  /**
   * Batches queued for the store or being applied while the consumer fetches and decodes the next
   * ones (default 4; services/worker/apply-pipeline.ts). The store applies as many at once as it has
   * writers (2); the rest wait, decoded, in memory.
   */
  applyAhead?: number;
  /** How kafkajs retries a failed batch before it restarts the consumer (tests shorten it). */
  retry?: { retries: number; initialRetryTime: number; maxRetryTime: number };
  /** Told when batches cannot be stored (a reason) and when they can again (undefined), for /readyz. */
  onStoreProblem?: (problem: NotReadyReason | undefined) => void;
  /**
   * Scale-out hook: the assigners the consumer offers, most preferred first (services/scale/
   * sticky-assignment.ts; given `owned`, what this worker holds now). Default: kafkajs' round robin.
   */
  partitionAssigners?: (owned: () => number[]) => PartitionAssigner[];
}

/** Why the worker is not ready although it runs (reported by /readyz). */
export interface NotReadyReason {
  code: string;
  message: string;
}

export class StreamWorker {
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly log: Logger;
  /** Partitions we have sought back to: the first batch after the seek is accepted as it comes. */
  private readonly soughtTo = new Map<number, bigint>();
  /** Batches being applied while the next ones are fetched (services/worker/apply-pipeline.ts). */
  private readonly applies: ApplyPipeline;
  private assigned: number[] = [];
  private joined = false;
  private running = false;
  private consecutiveFailures = 0;
  /** Set while batches cannot be stored for a reason that waiting can cure (a full disk). */
  private storeProblem: NotReadyReason | undefined;
  /** Judges and prepares batches beside this thread (record-check-thread.ts); undefined: on this thread. */
  private readonly checker: RecordCheckThread | undefined;

  constructor(private readonly opts: StreamWorkerOptions) {
    this.log = opts.logger.child({ component: 'stream-worker' });
    this.checker = (opts.recordCheck ?? 'thread') === 'thread' ? new RecordCheckThread() : undefined;
    this.consumer = opts.kafka.consumer({
      groupId: opts.groupId,
      // Every record of a fetch response is an object (one small KafkaRecord each since
      // services/platform/kafka-record-batch.ts, six objects each before) until the response's last
      // batch is handled, which with the apply queue full takes seconds: they survive into V8's old space.
      // 8 MiB fetches of up to 2 MiB per partition (batches of ~8k events) instead of 32 / 4 MiB: peak
      // heap 210 MB against 385, peak RSS ~200 MiB lower, the same speed (1M bench, alternating runs).
      maxBytesPerPartition: opts.maxBytesPerPartition ?? 2 * 1024 * 1024,
      maxBytes: 8 * 1024 * 1024,
      ...(opts.partitionAssigners ? { partitionAssigners: opts.partitionAssigners(() => this.assignment) } : {}),
      sessionTimeout: opts.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: Math.min(3_000, Math.floor((opts.sessionTimeoutMs ?? 30_000) / 6)),
      retry: {
        ...(opts.retry ?? { retries: 10, initialRetryTime: 300, maxRetryTime: 10_000 }),
        // Transient trouble (broker unavailable, rebalancing, a busy store) is retried by kafkajs and
        // then by a consumer restart. An error that says retrying cannot help (an unrecoverable store
        // error), or failing again and again, ends the consumer so the process exits non-zero.
        restartOnFailure: async (err: Error) => {
          this.consecutiveFailures++;
          const fatal = (isCasepipeError(err) && !err.canRetry) || this.consecutiveFailures > MAX_RESTARTS;
          this.log.error({ err, restarts: this.consecutiveFailures, fatal }, fatal ? 'consumer failed for good' : 'consumer failed; restarting it');
          return !fatal;
        },
      },
    });
    this.applies = new ApplyPipeline(opts.applyAhead ?? 4, (reason, seconds) => opts.metrics.storeWaitSeconds.inc({ reason }, seconds));
    this.producer = opts.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  }

  /**
   * True once the consumer has joined its group and has partitions to work on (or none to have), and
   * batches can be stored.
   */
  get ready(): boolean {
    return this.running && this.joined && this.storeProblem === undefined;
  }

  /** Why batches cannot be stored right now (e.g. STORE_DISK_FULL), if they cannot. */
  get notReadyReason(): NotReadyReason | undefined {
    return this.storeProblem;
  }

  /** The consumer's instrumentation events (GROUP_JOIN, CRASH, STOP, …), for readiness and group watching. */
  get consumerEvents(): Pick<Consumer, 'on' | 'events'> {
    return this.consumer;
  }

  get assignment(): number[] {
    return [...this.assigned];
  }

  async start(): Promise<void> {
    this.checker?.warmUp();
    await this.producer.connect();
    await this.consumer.connect();
    const { GROUP_JOIN, CRASH } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, (e) => {
      this.assigned = (e.payload.memberAssignment[this.opts.topic] ?? []).slice().sort((a, b) => a - b);
      this.joined = true;
      this.log.info({ partitions: this.assigned }, 'joined consumer group');
      // Start every assigned partition where the store says, not where the group committed: the
      // group may be ahead of the store (a store rebuilt by replay, a partition moved from another
      // worker), and a partition with nothing new to fetch would never show it in a batch.
      this.seekToStored(this.assigned).catch((err) => this.log.error({ err }, 'cannot read the stored offsets to seek to'));
    });
    this.consumer.on(CRASH, (e) => {
      const err = e.payload.error;
      if (e.payload.restart) {
        this.log.warn({ err }, 'consumer crashed; kafkajs restarts it');
        return;
      }
      this.log.fatal({ err }, 'consumer crashed and will not restart');
      this.opts.onFatal?.(err);
    });
    await this.consumer.subscribe({ topic: this.opts.topic, fromBeginning: true });
    this.running = true;
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Batches are applied in the background (this.applies); while DuckDB writes them (native
      // threads, one per store writer), the next ones are fetched, decoded and validated.
      partitionsConsumedConcurrently: this.opts.partitionsConcurrently ?? 3,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /**
   * Seeks each partition to the store's next offset. Called from the GROUP_JOIN listener; kafkajs
   * applies seeks before it fetches the partition (the store answers from its in-memory offsets).
   * Batches still being applied are waited for first, so the offsets read include them.
   */
  private async seekToStored(partitions: number[]): Promise<void> {
    await this.applies.drain();
    const stored = await this.opts.store.storedOffsets(this.opts.topic);
    const to: Record<number, string> = {};
    for (const partition of partitions) {
      const offset = BigInt(stored.get(partition) ?? 0n);
      this.soughtTo.set(partition, offset);
      this.consumer.seek({ topic: this.opts.topic, partition, offset: String(offset) });
      to[partition] = String(offset);
    }
    this.log.info({ offsets: to }, 'partitions sought to their stored offsets');
  }

  /** The record-check thread's V8 heap by space (undefined inline, or before the first batch). */
  recordCheckHeap(): Promise<ThreadHeapSpace[] | undefined> {
    return this.checker?.heapSpaces() ?? Promise.resolve(undefined);
  }

  /** Finishes the batches in hand and those queued for the store, and disconnects. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.consumer.disconnect();
    await this.applies.drain();
    await this.producer.disconnect();
    await this.checker?.close();
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const started = process.hrtime.bigint();
    const { topic, partition } = batch;
    // The partition's previous batch must be in the store before this one is planned against the
    // stored offset; its failure, if it failed, is thrown here into kafkajs (retry, restart).
    await this.applies.settle(partition);
    const stored = BigInt((await this.opts.store.storedOffsets(topic)).get(partition) ?? 0n);
    // A seek while we waited (a rejoin's seek to the stored offsets is made after the applies in
    // flight) makes this batch stale; checked after the last await, before soughtTo is read.
    if (!isRunning() || isStale()) return;
    const first = BigInt(batch.firstOffset() ?? batch.messages[0].offset);
    const last = BigInt(batch.lastOffset());

    const plan = planBatch({ stored, soughtTo: this.soughtTo.get(partition), first, last });
    if (plan.action === 'seek') {
      // The store is behind what the group fetched from: go back rather than skip records.
      this.log.info({ partition, stored: String(stored), fetched: String(first) }, 'store is behind the fetch position; seeking back');
      this.soughtTo.set(partition, plan.offset);
      this.consumer.seek({ topic, partition, offset: String(plan.offset) });
      return;
    }
    this.soughtTo.delete(partition);
    if (plan.action === 'skip') {
      resolveOffset(batch.lastOffset());
      return; // every record already applied
    }

    // Only a batch that starts below the stored offset (a replay) needs each offset compared.
    const replay = first < plan.from;
    const records = replay ? batch.messages.filter((m) => BigInt(m.offset) >= plan.from) : batch.messages;
    // Only what the store needs (the checked batch) may outlive this handler: the records (kafkajs'
    // messages and the fetch response under them) are used in calls below, never by a closure made
    // here, which would keep them alive while the batch waits in the apply queue.
    const checked = await this.checkRecords(topic, partition, records);
    // A seek while the thread worked (a rejoin) makes this batch stale: nothing is sent or queued.
    if (!isRunning() || isStale()) return;
    const { prepared, deadLetters } = checked;
    const byKind = new Map(checked.byKind); // valid events by kind, for eventsCounted
    this.opts.metrics.recordsRead.inc({ topic, partition: String(partition) }, prepared.events + deadLetters.length);
    if (deadLetters.length > 0) await this.sendDeadLetters(topic, partition, records, checked);

    // Queued for the store as columns, not event objects (see PreparedEvents); the handler returns so
    // that kafkajs fetches the next batches meanwhile.
    const queued: PreparedPartitionBatch = { topic, partition, nextOffset: String(last + 1n), prepared, deadLetters };
    const stillOurs = () => isRunning() && !isStale();
    resolveOffset(batch.lastOffset());
    await this.applies.enqueue(
      partition,
      async () => {
        const applyStart = process.hrtime.bigint();
        // The store applies batches of different partitions on its own writer connections, queueing
        // the rest; a partition's batches come one at a time (this.applies).
        const result = await this.applyWaitingForSpace(queued, heartbeat, stillOurs);
        if (!result) return; // stopping, or the partition went elsewhere while the disk was full
        this.afterApply(topic, partition, last, result, byKind, applyStart, started);
      },
      (err) => {
        // Fetch the partition again from the store's offset: the next batch of it throws the error
        // into kafkajs (settle above), even when the topic has nothing after this batch.
        this.log.warn({ err, partition }, 'applying a batch failed; the partition is read again from its stored offset');
        if (this.running) this.seekToStored([partition]).catch((e) => this.log.error({ err: e }, 'cannot read the stored offsets to seek to'));
      },
    );
    await heartbeat();
  }

  /** After a batch is in the store: the Kafka commit (a hint for lag tools) and the metrics. */
  private afterApply(topic: string, partition: number, last: bigint, result: BatchResult, byKind: Map<string, number>, applyStart: bigint, started: bigint): void {
    const m = this.opts.metrics;
    m.storeApplySeconds.observe(Number(process.hrtime.bigint() - applyStart) / 1e9);
    if (this.running && this.assigned.includes(partition)) {
      this.consumer.commitOffsets([{ topic, partition, offset: String(last + 1n) }]).catch((err) => {
        this.log.warn({ err, partition }, 'offset commit failed (only a hint for lag tools; the store has the offsets)');
      });
    }
    this.consecutiveFailures = 0;
    for (const [kind, n] of byKind) m.eventsCounted.inc({ kind }, n);
    m.duplicatesDropped.inc(result.duplicates);
    m.lateEvents.inc(result.late);
    m.storedOffset.set({ topic, partition: String(partition) }, Number(last + 1n));
    m.lastBatchAt.setToCurrentTime();
    m.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
  }

  /**
   * Applies the batch. While the disk under the store is full (STORE_DISK_FULL) it keeps the batch,
   * reports not-ready, heartbeats and tries again with a growing pause, instead of failing the
   * consumer: a restart would find the same full disk, and an exit would only start a crash loop.
   */
  private async applyWaitingForSpace(
    work: PreparedPartitionBatch,
    heartbeat: () => Promise<void>,
    stillOurs: () => boolean,
  ): Promise<BatchResult | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.opts.store.applyBatch(work);
        if (this.storeProblem) {
          this.log.warn({ partition: work.partition }, 'the live store takes batches again; ready');
          this.storeProblem = undefined;
          this.opts.onStoreProblem?.(undefined);
        }
        return result;
      } catch (err) {
        if (!isCasepipeError(err, 'STORE_DISK_FULL')) throw err;
        this.storeProblem = { code: err.code, message: err.message };
        this.opts.onStoreProblem?.(this.storeProblem);
        const waitMs = Math.min(DISK_FULL_MAX_WAIT_MS, 250 * 2 ** Math.min(attempt - 1, 8));
        this.log.error({ err, partition: work.partition, attempt, retryInMs: waitMs }, 'the disk under the live store is full: not ready; the batch is kept and tried again');
        for (const until = Date.now() + waitMs; Date.now() < until; ) {
          await new Promise((r) => setTimeout(r, Math.min(500, until - Date.now())));
          if (!stillOurs()) return undefined;
          await heartbeat();
        }
      }
    }
  }

  /**
   * Judges every record and prepares the valid ones for the store (batch-check.ts): on the
   * record-check thread while this one fetches and writes, or here. The record's Kafka timestamp is
   * its ingestion time, not the clock: a replay judges every record as the first run did.
   */
  private async checkRecords(topic: string, partition: number, records: KafkaMessage[]): Promise<CheckedBatch> {
    const source = `${topic}[${partition}]`;
    const packed = this.checker ? packRecords(source, records) : undefined;
    if (this.checker && packed) return this.checker.check(packed);
    return checkRecords(source, records.length, (i) => ({ key: records[i].key, value: records[i].value, timestampMs: Number(records[i].timestamp), offset: records[i].offset }));
  }

  /** Sends the batch's invalid records to the dead-letter topic, acknowledged by the broker before the offsets that include them are stored: nothing is lost. */
  private async sendDeadLetters(topic: string, partition: number, records: KafkaMessage[], checked: CheckedBatch): Promise<void> {
    const messages = checked.invalid.map((bad) => this.deadLetterMessage(topic, partition, records[bad.index], bad));
    await this.producer.send({ topic: this.opts.deadLetterTopic, acks: -1, messages });
    for (const d of checked.deadLetters) this.opts.metrics.deadLetters.inc({ reason: d.reason });
  }

  /** The dead-letter topic's copy of a record that cannot be counted (services/contract/dead-letter.ts). */
  private deadLetterMessage(topic: string, partition: number, message: KafkaMessage, bad: InvalidRecord): DeadLetterMessage {
    this.log.warn({ topic, partition, offset: message.offset, stage: bad.stage, code: bad.code }, `dead-lettered: ${bad.message}`);
    return deadLetterMessage({
      topic,
      partition,
      offset: message.offset,
      key: message.key ?? null,
      value: message.value ?? null,
      headers: message.headers,
      stage: bad.stage,
      code: bad.code,
      message: bad.message,
    });
  }
}
