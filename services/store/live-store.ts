/**
 * The live store: the stream worker's DuckDB file. One writing process (this one), a few writer connections.
 * `applyBatch` is the whole exactly-once step: in one transaction it leaves out records below the
 * partition's stored next offset (a batch prepared by the worker must start at or past it), merges the
 * rest (services/store/dedupe-merge.ts), adds the quality counters and stores the partition's new next
 * offset. See docs/live-store.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { CasepipeError, isCasepipeError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import { silentLogger } from '../platform/logger.js';
import type { Month, MonthFigures } from '../figures/window-figures.js';
import { readMonthFigures } from '../figures/month-figures.js';
import type { BatchDeadLetter, BatchResult, PartitionBatch, PreparedPartitionBatch } from './batch.js';
import { offsetBelow, planBatch } from './batch-plan.js';
import { CLEAR_STAGING, prepareBatch, STAGING_DDL, writeStaging, type PreparedEvents } from './batch-staging.js';
import { ENTITIES, mergeEntity, qualityCountsSql } from './dedupe-merge.js';
import { exportMonth, type MonthExportTarget } from './month-export.js';
import { collectGarbage } from './native-memory.js';
import { buildOldKeyFilter, forEachKeyHash, KEY_HALVES, OldKeyFilter } from './old-key-filter.js';
import { nextOffsetSql, PartitionOffsets } from './partition-offsets.js';
import { isTransient, storeError } from './store-errors.js';
import { departmentsLastEvent, hasData, operatorCounts, storeMemory, type OperatorCounts, type StoreMemory } from './store-reads.js';
import { upgradeStore } from './schema-upgrade.js';
import { StoreDictionary } from './store-dictionary.js';
import { listPartitions, partitionTable, recentTable, StoreSchema, type PartitionedTable } from './store-schema.js';
import { WriterPool } from './writer-pool.js';

export interface LiveStoreOptions {
  /** The DuckDB file; its directory is created if missing. */
  path: string;
  /** DuckDB `memory_limit` while batches are applied (e.g. '256MB'). Default 512MB. */
  memoryLimit?: string;
  /**
   * DuckDB `memory_limit` while `exportMonth` runs (a month of rows sorted and written by COPY for the
   * snapshot job) and while the store opens (WAL replay: up to `checkpointThreshold` of rows that a
   * crash left un-checkpointed); default: `memoryLimit`. An instance setting like `threads`: raised for
   * the first export in flight, put back after the last.
   */
  exportMemoryLimit?: string;
  /**
   * DuckDB `threads` (default 1). A batch's statements are small (thousands of rows), and DuckDB
   * spends more CPU splitting them over threads than it saves: on the hot-path bench's events
   * `applyBatch` took 18-24 µs of CPU per event with 1 thread against 25-35 µs with 2 (2 cores).
   * Batches of different partitions still run at once, each on its own writer's thread.
   */
  threads?: number;
  /**
   * DuckDB `threads` while `exportMonth` runs (a month of rows written by COPY for the snapshot job:
   * large scans that do gain from more threads); default: the number of cores.
   */
  exportThreads?: number;
  /**
   * WAL size past which the store checkpoints (default '32MB', ~250k events): after each batch it
   * looks at the WAL and checkpoints holding every writer (`checkpointIfDue`). DuckDB's own
   * `checkpoint_threshold` is set out of reach: with several writers it hardly ever found a moment
   * to checkpoint. The rows not yet checkpointed stay in the pool, so this bounds them; with
   * DuckDB's row-group vacuum off (`vacuum`) a checkpoint costs per row it writes, so a small
   * threshold costs no more in total than a large one (docs/live-store.md, "Memory").
   */
  checkpointThreshold?: string;
  /**
   * Let DuckDB's checkpoints merge small row groups (its "vacuum", DuckDB `max_vacuum_tasks`).
   * Default false: new keys are only appended, and each checkpoint writes the rows appended since the
   * last one as a new row group per table; the vacuum then merges them with the groups before, up to
   * three full groups' worth, and merges again the groups a merge left short of full, so a
   * checkpoint's cost grew with the store (10M events with 256MB checkpoints: 2.9 s rising to 6.4 s;
   * with 32MB checkpoints and a merge every eighth, the merging ones 3.6 s rising to 13 s). Without
   * it a checkpoint costs the same at any size (~1.7 µs of CPU per appended row), so checkpoints can
   * be small and frequent, which keeps the un-checkpointed rows, and the pool, small. The price: row
   * groups as large as one checkpoint's rows of a table (~13k milestones at 32MB) and a store file
   * ~20% larger (docs/live-store.md, "Memory"). Row groups left empty by deletes are still dropped.
   */
  vacuum?: boolean;
  /**
   * Block size of a store file created now (bytes, a power of two from 16384 to 262144; DuckDB
   * `default_block_size`); a file keeps the size it was created with. Default 65536, not DuckDB's
   * 262144: until a checkpoint, every column of every table appended to holds at least one block in
   * memory, and the store has 24 tables (12 partitions, milestones and consultations) of ~14
   * columns: ~85 MB of mostly empty 256 KiB blocks against ~21 MB with 64 KiB (docs/live-store.md,
   * "Memory").
   */
  blockSize?: number;
  logger?: Logger;
  /** Batches between full V8 collections that release DuckDB results' native memory (0: never). */
  collectGarbageEvery?: number;
  /** Attempts for a transient DuckDB error before giving up with STORE_FAILED. */
  maxAttempts?: number;
  /**
   * Writing connections (default 2). Batches of different partitions are applied on different
   * connections at the same time: their rows go to different per-partition tables, so the
   * transactions never touch the same rows, and DuckDB runs them on different cores. A partition's
   * batches must still come one at a time (the stream worker's apply pipeline guarantees that).
   */
  writers?: number;
  /**
   * Rows a partition's recent table (milestones, consultations each) may hold before a batch moves
   * them to the old table. Default 0: append mode, recent is not used and new keys go straight to old
   * (the keys the old-key filter has certainly not seen without a merge; docs/live-store.md). Above 0,
   * the merge joins recent in full, so this bounds the per-batch scan. Rows kept in recent across batches are written twice at checkpoints (in recent, then in
   * old): with 50000, the committing calls (checkpoints included) took ~40% of the apply time at 3M
   * events, against ~26% with 0 (docs/live-store.md, "Recent and old rows").
   */
  recentRows?: number;
}

/** Checkpoints after batches since the store was opened: made, failed, and how long the last one held the writers. */
export interface CheckpointStats {
  done: number;
  failed: number;
  lastSeconds: number;
}

/** Per partition and entity: the old-key filter (null while old is empty) and the recent row count. */
interface EntityState {
  filter: OldKeyFilter | null;
  recentRows: number;
}

export class LiveStore {
  private closed = false;
  private batchesSinceCollection = 0;
  /** Writer connections whose staging tables may hold a failed batch's rows (cleared before the next batch). */
  private readonly stagingDirty = new WeakSet<DuckDBConnection>();
  private collectGarbageEvery = 8;
  /**
   * Readers (figures, the scheduler) use their own connection: on a writer's connection they would
   * run inside a batch's open transaction and see it half done.
   */
  private readerConn: Promise<DuckDBConnection> | undefined;
  private readerOpen: DuckDBConnection | undefined;
  /** Key `${table}:${partition}`; rebuilt at open (derived state, never persisted). */
  private readonly entities = new Map<string, EntityState>();
  private recentRows = 0;
  private threads = 1;
  private exportThreads = os.availableParallelism();
  private memoryLimit = '512MB';
  private exportMemoryLimit = '512MB';
  /** exportMonth calls in flight: the first raises DuckDB's threads and memory limit, the last puts them back. */
  private exportsRunning = 0;
  /** The WAL, and its size past which a batch is followed by a checkpoint (checkpointIfDue). */
  private walFile = '';
  private checkpointBytes = Infinity;
  private checkpointing: Promise<void> | undefined;
  private readonly checkpoints: CheckpointStats = { done: 0, failed: 0, lastSeconds: 0 };

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly pool: WriterPool,
    private readonly schema: StoreSchema,
    private readonly offsets: PartitionOffsets,
    private readonly dictionary: StoreDictionary,
    private readonly logger: Logger,
    private readonly maxAttempts: number,
  ) {}

  static async open(options: LiveStoreOptions): Promise<LiveStore> {
    const logger = options.logger ?? silentLogger();
    fs.mkdirSync(path.dirname(path.resolve(options.path)), { recursive: true });
    const memoryLimit = options.memoryLimit ?? '512MB';
    const exportMemoryLimit = options.exportMemoryLimit ?? memoryLimit;
    for (const size of [memoryLimit, exportMemoryLimit]) {
      if (!/^\d+(\.\d+)?\s*[A-Za-z]+$/.test(size)) throw new CasepipeError('STORE_FAILED', `memory limit ${JSON.stringify(size)} is not a size such as 512MB`);
    }
    // Opened with the export limit, so that WAL replay has it; lowered to memoryLimit once open.
    const config: Record<string, string> = { memory_limit: exportMemoryLimit };
    config.threads = String(options.threads ?? 1);
    const checkpointThreshold = options.checkpointThreshold ?? '32MB';
    const checkpointBytes = sizeInBytes(checkpointThreshold);
    if (checkpointBytes === undefined) throw new CasepipeError('STORE_FAILED', `checkpoint threshold ${JSON.stringify(checkpointThreshold)} is not a size such as 256MB`);
    // The store checkpoints by itself (checkpointIfDue); DuckDB's own would rarely get to.
    config.checkpoint_threshold = '1000GB';
    config.default_block_size = String(options.blockSize ?? 65536);
    if (!options.vacuum) config.max_vacuum_tasks = '0';
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(options.path, config);
    } catch (cause) {
      const busy = /lock/i.test(String((cause as Error)?.message));
      throw new CasepipeError(
        busy ? 'STORE_BUSY' : 'STORE_FAILED',
        busy
          ? `live store ${options.path} is open in another process (DuckDB allows one writer)`
          : `cannot open live store ${options.path}: ${(cause as Error)?.message}`,
        { cause, canRetry: busy },
      );
    }
    const conn = await instance.connect();
    const schema = new StoreSchema();
    let offsets: PartitionOffsets;
    let dictionary: StoreDictionary;
    try {
      if (memoryLimit !== exportMemoryLimit) await setMemoryLimit(conn, memoryLimit, logger);
      // Before the old-key filters are built from the stored key hashes (loadEntityState).
      await schema.create(conn, (c, from, partitionDdl) => upgradeStore(c, from, logger, partitionDdl));
      await conn.run(STAGING_DDL);
      offsets = await PartitionOffsets.load(conn);
      dictionary = await StoreDictionary.load(conn);
    } catch (cause) {
      conn.closeSync();
      instance.closeSync();
      throw new CasepipeError('STORE_FAILED', `cannot create the live store schema in ${options.path}: ${(cause as Error)?.message}`, { cause });
    }
    logger.info({ path: options.path, memoryLimit, exportMemoryLimit }, 'live store open');
    const writers = [conn];
    let store: LiveStore | undefined;
    try {
      for (let i = 1; i < Math.max(1, options.writers ?? 2); i++) {
        const writer = await instance.connect();
        writers.push(writer);
        await writer.run(STAGING_DDL);
      }
      store = new LiveStore(instance, conn, new WriterPool(writers), schema, offsets, dictionary, logger, options.maxAttempts ?? 3);
      store.collectGarbageEvery = options.collectGarbageEvery ?? 8;
      store.recentRows = options.recentRows ?? 0;
      store.threads = options.threads ?? 1;
      store.exportThreads = options.exportThreads ?? os.availableParallelism();
      store.memoryLimit = memoryLimit;
      store.exportMemoryLimit = exportMemoryLimit;
      store.walFile = `${options.path}.wal`;
      store.checkpointBytes = checkpointBytes;
      await store.loadEntityState();
      await store.checkpointIfDue(); // a WAL left by a crash, replayed at open, past the threshold
    } catch (cause) {
      if (store) store.close();
      else {
        for (const w of writers) w.closeSync();
        instance.closeSync();
      }
      throw new CasepipeError('STORE_FAILED', `cannot read the live store ${options.path}: ${(cause as Error)?.message}`, { cause });
    }
    return store;
  }

  /** Number of writing connections (batches of different partitions applied at once). */
  get writerCount(): number {
    return this.pool.size;
  }

  /** Builds every partition's old-key filters from the old tables and counts the recent rows. */
  private async loadEntityState(): Promise<void> {
    const started = performance.now();
    let keys = 0;
    let bytes = 0;
    for (const p of await listPartitions(this.conn)) {
      for (const spec of ENTITIES) {
        const state = await this.readEntityState(spec.table, p);
        keys += state.filter?.count ?? 0;
        bytes += state.filter?.bytes ?? 0;
      }
    }
    this.logger.info({ keys, filterMB: +(bytes / 2 ** 20).toFixed(1), ms: Math.round(performance.now() - started) }, 'live store old-key filters built');
  }

  private async readEntityState(table: PartitionedTable, partition: number): Promise<EntityState> {
    const recentRows = Number((await this.conn.runAndReadAll(`SELECT count(*) FROM ${recentTable(table, partition)}`)).getRows()[0][0]);
    const filter = await buildOldKeyFilter(this.conn, partitionTable(table, partition), 2 * this.recentRows);
    const state: EntityState = { filter: filter.count > 0 ? filter : null, recentRows };
    this.entities.set(`${table}:${partition}`, state);
    return state;
  }

  private entityState(table: PartitionedTable, partition: number): EntityState {
    const key = `${table}:${partition}`;
    let state = this.entities.get(key);
    if (!state) {
      // A partition created in this process: both tables start empty.
      state = { filter: null, recentRows: 0 };
      this.entities.set(key, state);
    }
    return state;
  }

  /**
   * Moves the partition's recent rows to its old table, inside the batch's transaction. The keys go
   * into the filter first (before COMMIT): if the transaction rolls back they stay as harmless
   * extras. Past the filter's capacity it is rebuilt, larger, from the old table, which in this
   * transaction already holds the moved rows.
   */
  private async moveRecentToOld(conn: DuckDBConnection, table: PartitionedTable, partition: number, state: EntityState, recentRows: number): Promise<void> {
    const recent = recentTable(table, partition);
    const old = partitionTable(table, partition);
    const filter = state.filter;
    if (filter && filter.count + recentRows <= filter.capacity) {
      await forEachKeyHash(conn, `SELECT ${KEY_HALVES} FROM ${recent}`, (hi, lo) => filter.add(hi, lo));
      await conn.run(`INSERT INTO ${old} SELECT * FROM ${recent}; DELETE FROM ${recent};`);
    } else {
      await conn.run(`INSERT INTO ${old} SELECT * FROM ${recent}; DELETE FROM ${recent};`);
      state.filter = await buildOldKeyFilter(conn, old, 2 * this.recentRows);
    }
    this.logger.debug({ table, partition, rows: recentRows, filterKeys: state.filter?.count }, 'recent rows moved to old');
  }

  /**
   * Puts the keys a batch appended to the partition's old table into its old-key filter, inside the
   * batch's transaction (before COMMIT; a rollback leaves harmless extras). The fresh keys come from
   * staging; a merged key that was new had been flagged by the filter already, so its bits are set.
   * Without a filter, or past its capacity, it is built again, larger, from the old table.
   */
  private async rememberAppendedKeys(
    conn: DuckDBConnection, table: PartitionedTable, partition: number, state: EntityState, fresh: readonly number[], inserted: number, pending: string[],
  ): Promise<void> {
    if (inserted === 0) return;
    const filter = state.filter;
    if (filter && filter.count + inserted <= filter.capacity) {
      for (let i = 0; i < fresh.length; i += 2) filter.add(fresh[i], fresh[i + 1]);
      return;
    }
    // Rebuilt from the table, which must hold this batch's rows first.
    await runPending(conn, pending);
    // At least 65,536 keys (96 KiB): a small partition does not rebuild it at every doubling.
    state.filter = await buildOldKeyFilter(conn, partitionTable(table, partition), Math.max(65_536, 2 * inserted));
    this.logger.debug({ table, partition, filterKeys: state.filter.count, capacity: state.filter.capacity }, 'old-key filter rebuilt');
  }

  /** A connection for read queries in this process (tests, benches). Do not write with it. */
  get connection(): DuckDBConnection {
    return this.conn;
  }

  /**
   * A new connection on the same database, with its own transactions (tests that look inside the
   * store, the snapshot schedule's restatement bookkeeping). The caller closes it.
   */
  async connect(): Promise<DuckDBConnection> {
    this.assertOpen();
    return this.instance.connect();
  }

  /** Next offset to read per partition of `topic` (where the consumer must seek to); from memory. */
  async storedOffsets(topic: string): Promise<Map<number, string>> {
    this.assertOpen();
    return this.offsets.ofTopic(topic);
  }

  /** The partition count of `topic` when this store started counting it (undefined: not recorded). */
  async sourceTopicPartitions(topic: string): Promise<number | undefined> {
    this.assertOpen();
    const row = (await (await this.reader()).runAndReadAll(`SELECT partitions FROM source_topics WHERE topic = $topic`, { topic })).getRows()[0];
    return row === undefined ? undefined : Number(row[0]);
  }

  /** Records the partition count the store's offsets of `topic` belong to (once; see docs/live-store.md). */
  async recordSourceTopic(topic: string, partitions: number): Promise<void> {
    this.assertOpen();
    await this.pool.exclusive((conn) =>
      conn.run(`INSERT INTO source_topics VALUES ($topic, $partitions, now()) ON CONFLICT DO NOTHING`, { topic, partitions }),
    );
  }

  /**
   * Applies a batch: its events as objects (PartitionBatch), or prepared for staging as they arrived
   * (PreparedPartitionBatch, what the stream worker queues).
   */
  async applyBatch(batch: PartitionBatch | PreparedPartitionBatch): Promise<BatchResult> {
    this.assertOpen();
    if (this.collectGarbageEvery > 0 && ++this.batchesSinceCollection >= this.collectGarbageEvery) {
      this.batchesSinceCollection = 0;
      collectGarbage();
    }
    if (!this.schema.has(batch.partition)) await this.addPartition(batch.partition);
    const result = await this.pool.withWriter((conn) => this.applyWithRetries(conn, batch));
    await this.checkpointIfDue();
    return result;
  }

  /**
   * Checkpoints once the WAL has grown past checkpointThreshold, holding every writer. Left to
   * DuckDB's automatic checkpoint (same threshold), a 10M-event run of the hot-path bench with two
   * writers applying batches never checkpointed: the WAL grew to ~900 MB by 4M events and the rows not
   * yet checkpointed spilled ~1.5 GB to live.duckdb.tmp/, all of it to be written at close or
   * replayed at the next open after a crash. A batch that finds the WAL past the threshold waits for
   * the checkpoint, so the rows waiting for one stay bounded. A failed checkpoint is logged and tried
   * again after the next batch.
   */
  private async checkpointIfDue(): Promise<void> {
    if (this.checkpointing) return this.checkpointing;
    const wal = fs.statSync(this.walFile, { throwIfNoEntry: false })?.size ?? 0;
    if (wal < this.checkpointBytes || this.closed) return;
    const started = performance.now();
    this.checkpointing = this.checkpoint()
      .then(() => {
        this.checkpoints.done++;
        this.checkpoints.lastSeconds = (performance.now() - started) / 1000;
        this.logger.debug({ walBytes: wal, seconds: this.checkpoints.lastSeconds }, 'live store checkpointed');
      })
      .catch((err: unknown) => {
        this.checkpoints.failed++;
        this.logger.warn({ err, walBytes: wal }, 'live store checkpoint failed; trying again after the next batch');
      })
      .finally(() => {
        this.checkpointing = undefined;
      });
    return this.checkpointing;
  }

  /**
   * A new partition's tables and the widened views, in a transaction of their own, one partition at
   * a time: concurrent replacements of the views would conflict. Empty tables left by a batch that
   * later fails are harmless.
   */
  private addPartition(partition: number): Promise<void> {
    return this.pool.ddl(async (conn) => {
      if (this.schema.has(partition)) return;
      try {
        await conn.run('BEGIN TRANSACTION');
        await this.schema.addPartition(conn, partition);
        await conn.run('COMMIT');
      } catch (cause) {
        await rollback(conn);
        await this.schema.reload(conn); // forget the partition if its DDL rolled back
        const err = storeError(cause, `creating the tables of partition ${partition}`);
        if (err.code === 'STORE_FAILED') throw new CasepipeError('STORE_FAILED', err.message, { cause, canRetry: true });
        throw err;
      }
    });
  }

  /** A transient error (by DuckDB's message) is rolled back and tried again; anything else ends as a store error. */
  private async applyWithRetries(conn: DuckDBConnection, batch: PartitionBatch | PreparedPartitionBatch): Promise<BatchResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.applyOnce(conn, batch);
      } catch (err) {
        await rollback(conn);
        if (isCasepipeError(err)) throw err;
        if (isTransient(err) && attempt < this.maxAttempts) {
          this.logger.warn({ err, attempt, topic: batch.topic, partition: batch.partition }, 'live store batch failed, retrying');
          await new Promise((r) => setTimeout(r, 50 * attempt));
          continue;
        }
        throw storeError(err, `applying ${batch.topic}[${batch.partition}] up to offset ${batch.nextOffset}`);
      }
    }
  }

  private async applyOnce(conn: DuckDBConnection, batch: PartitionBatch | PreparedPartitionBatch): Promise<BatchResult> {
    const { topic, partition } = batch;
    const next = toBigInt(batch.nextOffset, `${topic}[${partition}] nextOffset`);
    const stored = this.offsets.get(topic, partition);
    const result: BatchResult = {
      skipped: false, alreadyApplied: 0, events: 0, inserted: 0, replaced: 0, moved: 0,
      duplicates: 0, late: 0, deadLetters: 0, nextOffset: batch.nextOffset,
    };
    const eventCount = 'prepared' in batch ? batch.prepared.events : batch.events.length;
    // The reader has already decided about gaps (soughtTo = stored): the store only skips or cuts a replay.
    const first = firstOffset('prepared' in batch ? batch.prepared.firstOffset : batch.events[0]?.offset, batch.deadLetters[0]?.offset, next);
    const plan = planBatch({ stored, soughtTo: stored, first, last: next - 1n });
    if (plan.action !== 'apply') {
      return { ...result, skipped: true, alreadyApplied: eventCount + batch.deadLetters.length, nextOffset: String(stored) };
    }
    let prepared: PreparedEvents;
    let deadLetters: readonly BatchDeadLetter[];
    if ('prepared' in batch) {
      // Prepared events cannot be left out one by one: the worker plans a batch before preparing it.
      if (plan.from > first) {
        throw new CasepipeError('STORE_FAILED', `${topic}[${partition}]: a prepared batch from offset ${first} reaches below the stored next offset ${plan.from}; prepare only records at or past it`);
      }
      prepared = batch.prepared;
      deadLetters = batch.deadLetters;
    } else {
      const below = offsetBelow(plan.from);
      const events = batch.events.filter((e) => !below(e.offset));
      deadLetters = batch.deadLetters.filter((d) => !below(d.offset));
      result.alreadyApplied = batch.events.length - events.length + batch.deadLetters.length - deadLetters.length;
      prepared = prepareBatch(events, deadLetters, `${topic}[${partition}]`);
    }

    // Statements are sent together where no result is read between them: each call is a round trip
    // through libuv's thread pool. The staging tables are TEMP scratch of this connection: they are
    // appended to before BEGIN (autocommit) and created again, empty, just before COMMIT. Only after
    // a batch that failed on this connection do they hold rows when the next one starts.
    if (this.stagingDirty.has(conn)) await conn.run(CLEAR_STAGING);
    this.stagingDirty.add(conn);
    // Append mode per entity: its recent table is empty and stays so (recentRows 0). Then staging asks
    // the old-key filter in JavaScript and the keys it has certainly not seen are appended without a merge.
    const states = { milestones: this.entityState('milestones', partition), consultations: this.entityState('consultations', partition) };
    const appends = (state: EntityState) => this.recentRows === 0 && state.recentRows === 0;
    const certainlyNew = (state: EntityState) => {
      if (!appends(state)) return null;
      const filter = state.filter;
      return filter ? (hi: number, lo: number) => !filter.mayContain(hi, lo) : () => true;
    };
    // Statements not sent yet: the common batch (every winner certainly new) sends everything after
    // its appends in one call, the last one below.
    // Texts new to the store get their codes first, committed on their own (store-dictionary.ts).
    const codes = await this.dictionary.codesOf(conn, prepared.dictionary);
    const pending: string[] = ['BEGIN TRANSACTION'];
    const staged = await writeStaging(
      conn,
      prepared,
      codes,
      { milestones: certainlyNew(states.milestones), consultations: certainlyNew(states.consultations) },
      pending,
    );
    result.late = staged.late;
    const merged = [];
    const recentAfter = new Map<EntityState, number>();
    for (const spec of ENTITIES) {
      const keys = staged[spec.table];
      // Skip an entity with nothing staged: its merge would still scan the partition's table.
      if (keys.keys === 0) continue;
      const state = states[spec.table];
      const filter = state.filter;
      const append = appends(state);
      const c = await mergeEntity(conn, spec, {
        partition,
        mayBeOld: filter ? (hi, lo) => filter.mayContain(hi, lo) : null,
        append,
        keys: keys.keys,
        fresh: keys.fresh.length / 2,
      }, pending);
      result.inserted += c.inserted;
      result.replaced += c.replaced;
      result.moved += c.moved;
      if (c.merged) merged.push(spec);
      if (append) {
        await this.rememberAppendedKeys(conn, spec.table, partition, state, keys.fresh, c.inserted, pending);
        continue;
      }
      let recentRows = state.recentRows + c.inserted;
      if (recentRows > this.recentRows) {
        await runPending(conn, pending);
        await this.moveRecentToOld(conn, spec.table, partition, state, recentRows);
        recentRows = 0;
      }
      recentAfter.set(state, recentRows);
    }
    if (prepared.events > 0 || deadLetters.length > 0) pending.push(qualityCountsSql(partition, merged));
    pending.push(nextOffsetSql(topic, partition, next), CLEAR_STAGING, 'COMMIT');
    await runPending(conn, pending);
    this.stagingDirty.delete(conn);
    this.offsets.committed(topic, partition, next);
    for (const [state, rows] of recentAfter) state.recentRows = rows;
    result.events = prepared.events;
    result.duplicates = prepared.events - result.inserted;
    result.deadLetters = deadLetters.length;
    this.logger.debug({ topic, partition, ...result }, 'batch applied');
    return result;
  }

  /** The eight figures of a month, in total and per department, from the current state. */
  async figures(month: Month): Promise<MonthFigures> {
    this.assertOpen();
    return readMonthFigures(await this.reader(), month);
  }

  /** True when the month has any milestone, consultation or quality count (the scheduler skips empty months). */
  async hasData(month: Month): Promise<boolean> {
    this.assertOpen();
    return hasData(await this.reader(), month);
  }

  /** What operators watch: stored rows and dead letters by reason, over every month. */
  async operatorCounts(): Promise<OperatorCounts> {
    this.assertOpen();
    return operatorCounts(await this.reader());
  }

  /**
   * DuckDB's memory by tag: IN_MEMORY_TABLE is the rows appended since the last checkpoint (they
   * leave at the next one), BASE_TABLE the stored blocks read back; the sum stays under the
   * instance's memory_limit, the rest spills to the store's .tmp directory (temporaryBytes).
   */
  async memory(): Promise<StoreMemory[]> {
    this.assertOpen();
    return storeMemory(await this.reader());
  }

  /** Per department: its name as last stored and the latest event time of its stored milestones and consultations. */
  async departmentsLastEvent(): Promise<{ departmentCode: string; departmentName: string; lastEventMs: number }[]> {
    this.assertOpen();
    return departmentsLastEvent(await this.reader());
  }

  /**
   * Writes one month's rows, quality counts and covered offsets to files (services/store/month-export.ts),
   * from one consistent state, on a connection of its own while batches keep coming. DuckDB's
   * `threads` and `memory_limit` are instance settings: they are raised to `exportThreads` and
   * `exportMemoryLimit` while an export runs (batches applied meanwhile may use them too) and put back
   * after the last. Lowering the limit makes DuckDB evict cached blocks; should it refuse, the higher
   * limit stays until the next export ends (logged).
   */
  async exportMonth(month: Month, target: MonthExportTarget): Promise<void> {
    this.assertOpen();
    const conn = await this.instance.connect();
    try {
      if (this.exportsRunning++ === 0) await this.exportSettings(conn, this.exportThreads, this.exportMemoryLimit);
      await exportMonth(conn, month, target);
    } finally {
      try {
        if (--this.exportsRunning === 0 && !this.closed) await this.exportSettings(conn, this.threads, this.memoryLimit);
      } finally {
        conn.closeSync();
      }
    }
  }

  private async exportSettings(conn: DuckDBConnection, threads: number, memoryLimit: string): Promise<void> {
    if (this.exportThreads !== this.threads) await conn.run(`SET threads = ${threads}`);
    if (this.exportMemoryLimit !== this.memoryLimit) await setMemoryLimit(conn, memoryLimit, this.logger);
  }

  /** The checkpoints `checkpointIfDue` made since the store was opened, for the operator metrics. */
  checkpointStats(): CheckpointStats {
    return { ...this.checkpoints };
  }

  /** Writes the WAL into the database file (also done after a batch once the WAL is past checkpointThreshold). */
  async checkpoint(): Promise<void> {
    this.assertOpen();
    await this.pool.exclusive((conn) => conn.run('CHECKPOINT'));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.readerOpen?.closeSync();
    for (const writer of this.pool.writers) writer.closeSync();
    this.instance.closeSync();
  }

  private reader(): Promise<DuckDBConnection> {
    return (this.readerConn ??= this.instance.connect().then((c) => (this.readerOpen = c)));
  }

  private assertOpen(): void {
    if (this.closed) throw new CasepipeError('STORE_FAILED', 'the live store is closed');
  }
}

function toBigInt(offset: string, what: string): bigint {
  if (!/^\d+$/.test(offset)) throw new CasepipeError('INVALID_FIELD', `${what}: not a Kafka offset: ${JSON.stringify(offset)}`);
  return BigInt(offset);
}

/** The batch's first record offset (records come in offset order); a batch without records starts at its end. */
function firstOffset(event: string | undefined, deadLetter: string | undefined, next: bigint): bigint {
  if (event === undefined && deadLetter === undefined) return next - 1n;
  if (event === undefined || deadLetter === undefined) return BigInt((event ?? deadLetter)!);
  return BigInt(event) < BigInt(deadLetter) ? BigInt(event) : BigInt(deadLetter);
}

/** Sends the statements left pending, in one call, and empties the list. */
async function runPending(conn: DuckDBConnection, pending: string[]): Promise<void> {
  if (pending.length === 0) return;
  await conn.run(pending.join(';\n'));
  pending.length = 0;
}

async function rollback(conn: DuckDBConnection): Promise<void> {
  try {
    await conn.run('ROLLBACK');
  } catch {
    // no transaction open
  }
}

/**
 * Changes DuckDB's `memory_limit` (an instance setting). Lowering it makes DuckDB evict cached blocks
 * (spilling un-checkpointed ones); should it refuse, the current limit stays, which only costs memory.
 */
async function setMemoryLimit(conn: DuckDBConnection, size: string, logger: Logger): Promise<void> {
  try {
    await conn.run(`SET memory_limit = '${size}'`);
  } catch (err) {
    logger.warn({ err, memoryLimit: size }, 'live store memory limit not changed');
  }
}

/** A size as DuckDB reads it ('256MB': KB, MB, GB are powers of 1000, KiB, MiB, GiB of 1024), in bytes. */
function sizeInBytes(size: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.exec(size.trim());
  if (!m) return undefined;
  const unit = m[2].toLowerCase();
  const power = ['b', 'k', 'm', 'g', 't'].indexOf(unit[0]);
  return Number(m[1]) * (unit.includes('i') ? 1024 : 1000) ** power;
}
