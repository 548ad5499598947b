/**
 * The live store: the stream worker's DuckDB file. One writing process (this one), a few writer connections.
 * `applyBatch` is the whole exactly-once step: in one transaction it leaves out records below the
 * partition's stored next offset, merges the rest (services/store/dedupe-merge.ts), adds the quality
 * counters and stores the partition's new next offset. See docs/live-store.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { CasepipeError, isCasepipeError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import { silentLogger } from '../platform/logger.js';
import type { Month, MonthFigures } from '../figures/window-figures.js';
import { readMonthFigures } from '../figures/month-figures.js';
import { EVENT_KINDS } from '../contract/case-event.js';
import type { BatchResult, PartitionBatch } from './batch.js';
import { CLEAR_STAGING, closeStaging, STAGING_DDL, stageDeadLetters, stageEvents } from './batch-staging.js';
import { addQualityCounts, CONSULTATIONS, ENTITIES, mergeEntity, MILESTONES, rankKeyOf } from './dedupe-merge.js';
import { collectGarbage } from './native-memory.js';
import { buildOldKeyFilter, forEachKeyHash, KEY_HALVES, OldKeyFilter } from './old-key-filter.js';
import { listPartitions, partitionTable, recentTable, StoreSchema, type PartitionedTable } from './store-schema.js';

export interface LiveStoreOptions {
  /** The DuckDB file; its directory is created if missing. */
  path: string;
  /** DuckDB `memory_limit` (e.g. '512MB'); set at instance creation so WAL replay at open honours it. */
  memoryLimit?: string;
  /** DuckDB `threads`; default: DuckDB's (the number of cores). */
  threads?: number;
  /**
   * WAL size that triggers an automatic checkpoint (DuckDB `checkpoint_threshold`, default here
   * '256MB'; DuckDB's own 16MB checkpoints every ~150k events and costs a third of the apply time).
   */
  checkpointThreshold?: string;
  logger?: Logger;
  /** Batches between full V8 collections that release DuckDB results' native memory (0: never). */
  collectGarbageEvery?: number;
  /** Attempts for a transient DuckDB error before giving up with STORE_FAILED. */
  maxAttempts?: number;
  /**
   * Writing connections (default 2). Batches of different partitions are applied on different
   * connections at the same time: their rows go to different per-partition tables, so the
   * transactions never touch the same rows, and DuckDB runs them on different cores. A partition's
   * batches must still come one at a time (the stream worker's consumer guarantees that).
   */
  writers?: number;
  /**
   * Rows a partition's recent table (milestones, consultations each) may hold before a batch moves
   * them to the old table (default 50000). The merge joins recent in full, so this bounds the
   * per-batch scan; smaller means more frequent (but smaller) moves.
   */
  recentRows?: number;
}

/** Per partition and entity: the old-key filter (null while old is empty) and the recent row count. */
interface EntityState {
  filter: OldKeyFilter | null;
  recentRows: number;
}

const KNOWN_KINDS = new Set<string>(EVENT_KINDS.filter((k) => k !== 'UNKNOWN'));
const TRANSIENT = /conflict|could not set lock|resource temporarily unavailable|interrupted/i;
/** DuckDB's message when a write (WAL, checkpoint, spill) hits ENOSPC. */
const DISK_FULL = /no space left on device/i;

/**
 * A full disk under the store is its own error: nothing is written (the transaction rolls back), and
 * the same batch succeeds once space is freed, so the worker waits instead of failing.
 */
function diskFull(cause: unknown, what: string): CasepipeError | undefined {
  const message = (cause as Error)?.message ?? String(cause);
  if (!DISK_FULL.test(message)) return undefined;
  return new CasepipeError('STORE_DISK_FULL', `${what}: the disk under the live store is full (${message}); free space on it and the worker resumes`, {
    cause,
    canRetry: true,
  });
}

/**
 * "offset < stored" for kafkajs' offsets, decimal strings without leading zeros: shorter is smaller,
 * equal lengths compare as text.
 */
function offsetBelow(stored: bigint): (offset: string) => boolean {
  if (stored <= 0n) return () => false;
  const s = String(stored);
  return (o) => o.length < s.length || (o.length === s.length && o < s);
}

function toBigInt(offset: string, what: string): bigint {
  if (!/^\d+$/.test(offset)) throw new CasepipeError('INVALID_FIELD', `${what}: not a Kafka offset: ${JSON.stringify(offset)}`);
  return BigInt(offset);
}

export class LiveStore {
  private closed = false;
  private batchesSinceCollection = 0;
  private collectGarbageEvery = 8;
  /**
   * Readers (figures, offsets for lag and status, the scheduler) use their own connection: on the
   * writer's connection they would run inside a batch's open transaction and see it half done.
   */
  private readerConn: Promise<DuckDBConnection> | undefined;
  private readerOpen: DuckDBConnection | undefined;
  private readonly offsets = new Map<string, bigint>();
  /** Key `${table}:${partition}`; rebuilt at open (derived state, never persisted). */
  private readonly entities = new Map<string, EntityState>();
  private recentRows = 50_000;
  private readonly writers: DuckDBConnection[] = [];
  private readonly idleWriters: DuckDBConnection[] = [];
  private readonly waitingForWriter: ((conn: DuckDBConnection) => void)[] = [];
  /** Partition creation (DDL) takes turns; an explicit checkpoint holds every writer. */
  private ddlTurn: Promise<unknown> = Promise.resolve();
  private exclusiveTurn: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly schema: StoreSchema,
    private readonly logger: Logger,
    private readonly maxAttempts: number,
  ) {}

  static async open(options: LiveStoreOptions): Promise<LiveStore> {
    const logger = options.logger ?? silentLogger();
    fs.mkdirSync(path.dirname(path.resolve(options.path)), { recursive: true });
    const config: Record<string, string> = { memory_limit: options.memoryLimit ?? '512MB' };
    if (options.threads !== undefined) config.threads = String(options.threads);
    config.checkpoint_threshold = options.checkpointThreshold ?? '256MB';
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
    try {
      await schema.create(conn);
      await conn.run(STAGING_DDL);
      await LiveStore.checkKeyHash(conn, logger);
    } catch (cause) {
      conn.closeSync();
      instance.closeSync();
      throw new CasepipeError('STORE_FAILED', `cannot create the live store schema in ${options.path}: ${(cause as Error)?.message}`, { cause });
    }
    logger.info({ path: options.path, memoryLimit: config.memory_limit }, 'live store open');
    const store = new LiveStore(instance, conn, schema, logger, options.maxAttempts ?? 3);
    store.collectGarbageEvery = options.collectGarbageEvery ?? 8;
    store.recentRows = options.recentRows ?? 50_000;
    try {
      store.writers.push(conn);
      for (let i = 1; i < Math.max(1, options.writers ?? 2); i++) {
        const writer = await instance.connect();
        await writer.run(STAGING_DDL);
        store.writers.push(writer);
      }
      store.idleWriters.push(...store.writers);
      await store.loadEntityState();
    } catch (cause) {
      store.close();
      throw new CasepipeError('STORE_FAILED', `cannot read the live store ${options.path}: ${(cause as Error)?.message}`, { cause });
    }
    return store;
  }

  /**
   * key_hash (DuckDB hash()) and rank_key (create_sort_key) are computed by DuckDB, and a DuckDB
   * upgrade may change either. A stored probe value detects that; both columns are then recomputed
   * from the row's own columns, so the dedupe join keeps finding and ranking existing rows.
   */
  private static async checkKeyHash(conn: DuckDBConnection, logger: Logger): Promise<void> {
    const probe = String(
      (
        await conn.runAndReadAll(
          `SELECT hash('casepipe', 'RECEIVED')::VARCHAR || ' ' || create_sort_key(1::BIGINT, 'ASC NULLS FIRST', 'casepipe', 'ASC NULLS FIRST')::VARCHAR`,
        )
      ).getRows()[0][0],
    );
    const stored = (await conn.runAndReadAll(`SELECT value FROM store_meta WHERE key = 'key_hash_probe'`)).getRows()[0]?.[0];
    if (stored === probe) return;
    await conn.run('BEGIN TRANSACTION');
    if (stored !== undefined) {
      logger.warn({ stored, probe }, 'DuckDB hash() or create_sort_key() changed: recomputing key_hash and rank_key');
      for (const p of await listPartitions(conn)) {
        for (const t of [partitionTable('milestones', p), recentTable('milestones', p)]) {
          await conn.run(`UPDATE ${t} SET key_hash = hash(case_id, kind), rank_key = ${rankKeyOf(MILESTONES)}`);
        }
        for (const t of [partitionTable('consultations', p), recentTable('consultations', p)]) {
          await conn.run(`UPDATE ${t} SET key_hash = hash(department_code, record_id), rank_key = ${rankKeyOf(CONSULTATIONS)}`);
        }
      }
    }
    await conn.run(`INSERT OR REPLACE INTO store_meta VALUES ('key_hash_probe', $probe)`, { probe });
    await conn.run('COMMIT');
  }

  /** Number of writing connections (batches of different partitions applied at once). */
  get writerCount(): number {
    return this.writers.length;
  }

  private acquireWriter(): Promise<DuckDBConnection> {
    const conn = this.idleWriters.pop();
    if (conn) return Promise.resolve(conn);
    return new Promise((resolve) => this.waitingForWriter.push(resolve));
  }

  private releaseWriter(conn: DuckDBConnection): void {
    const next = this.waitingForWriter.shift();
    if (next) next(conn);
    else this.idleWriters.push(conn);
  }

  /** Runs `fn` holding every writer (no batch in flight), e.g. for CHECKPOINT. */
  private exclusive<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const turn = this.exclusiveTurn.then(async () => {
      const held: DuckDBConnection[] = [];
      try {
        while (held.length < this.writers.length) held.push(await this.acquireWriter());
        return await fn(held[0]);
      } finally {
        for (const c of held) this.releaseWriter(c);
      }
    });
    this.exclusiveTurn = turn.catch(() => undefined);
    return turn;
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

  /** The connection, for read queries in this process (figures, snapshots). Do not write with it. */
  get connection(): DuckDBConnection {
    return this.conn;
  }

  /**
   * A new connection on the same database, with its own transactions: for readers that must not share
   * the writer's connection (the snapshot job reads one consistent state while batches keep coming).
   * The caller closes it.
   */
  async connect(): Promise<DuckDBConnection> {
    this.assertOpen();
    return this.instance.connect();
  }

  /** Next offset to read per partition of `topic` (where the consumer must seek to). */
  async storedOffsets(topic: string): Promise<Map<number, string>> {
    this.assertOpen();
    const reader = await (await this.reader()).runAndReadAll(
      `SELECT partition, next_offset::VARCHAR FROM partition_offsets WHERE topic = $topic ORDER BY partition`,
      { topic },
    );
    return new Map(reader.getRows().map((r) => [Number(r[0]), String(r[1])]));
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
    await this.exclusive((conn) =>
      conn.run(`INSERT INTO source_topics VALUES ($topic, $partitions, now()) ON CONFLICT DO NOTHING`, { topic, partitions }),
    );
  }

  async applyBatch(batch: PartitionBatch): Promise<BatchResult> {
    this.assertOpen();
    for (const { event, offset } of batch.events) {
      if (!KNOWN_KINDS.has(event.kind)) {
        throw new CasepipeError(
          'UNKNOWN_KIND',
          `${batch.topic}[${batch.partition}]@${offset} event ${event.eventId}: kind ${JSON.stringify(event.kind)} cannot be stored (validate and dead-letter it first)`,
        );
      }
    }
    if (this.collectGarbageEvery > 0 && ++this.batchesSinceCollection >= this.collectGarbageEvery) {
      this.batchesSinceCollection = 0;
      collectGarbage();
    }
    if (!this.schema.has(batch.partition)) await this.addPartition(batch.partition);
    const conn = await this.acquireWriter();
    try {
      return await this.applyWithRetries(conn, batch);
    } finally {
      this.releaseWriter(conn);
    }
  }

  /**
   * A new partition's tables and the widened views, in a transaction of their own, one partition at
   * a time: concurrent replacements of the views would conflict. Empty tables left by a batch that
   * later fails are harmless.
   */
  private addPartition(partition: number): Promise<void> {
    const turn = this.ddlTurn.then(async () => {
      if (this.schema.has(partition)) return;
      const conn = await this.acquireWriter();
      try {
        await conn.run('BEGIN TRANSACTION');
        await this.schema.addPartition(conn, partition);
        await conn.run('COMMIT');
      } catch (cause) {
        await this.rollback(conn);
        await this.schema.reload(conn); // forget the partition if its DDL rolled back
        throw diskFull(cause, `creating the tables of partition ${partition}`) ?? new CasepipeError('STORE_FAILED', `cannot create the tables of partition ${partition}: ${(cause as Error)?.message}`, { cause, canRetry: true });
      } finally {
        this.releaseWriter(conn);
      }
    });
    this.ddlTurn = turn.catch(() => undefined);
    return turn;
  }

  private async applyWithRetries(conn: DuckDBConnection, batch: PartitionBatch): Promise<BatchResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.applyOnce(conn, batch);
      } catch (err) {
        await this.rollback(conn);
        if (isCasepipeError(err)) throw err;
        const message = (err as Error)?.message ?? String(err);
        if (TRANSIENT.test(message) && attempt < this.maxAttempts) {
          this.logger.warn({ err, attempt, topic: batch.topic, partition: batch.partition }, 'live store batch failed, retrying');
          await new Promise((r) => setTimeout(r, 50 * attempt));
          continue;
        }
        throw diskFull(err, `applying ${batch.topic}[${batch.partition}] up to offset ${batch.nextOffset}`) ?? new CasepipeError(
          'STORE_FAILED',
          `applying ${batch.topic}[${batch.partition}] up to offset ${batch.nextOffset} failed: ${message}`,
          { cause: err, canRetry: TRANSIENT.test(message) },
        );
      }
    }
  }

  private async applyOnce(conn: DuckDBConnection, batch: PartitionBatch): Promise<BatchResult> {
    const { topic, partition } = batch;
    const next = toBigInt(batch.nextOffset, `${topic}[${partition}] nextOffset`);
    await conn.run('BEGIN TRANSACTION');
    const stored = await this.storedOffset(conn, topic, partition);
    const result: BatchResult = {
      skipped: false, alreadyApplied: 0, events: 0, inserted: 0, replaced: 0, moved: 0,
      duplicates: 0, late: 0, deadLetters: 0, nextOffset: batch.nextOffset,
    };
    if (stored >= next) {
      await conn.run('ROLLBACK');
      return { ...result, skipped: true, alreadyApplied: batch.events.length + batch.deadLetters.length, nextOffset: String(stored) };
    }
    // Compared as text, not BigInt: parsing every offset cost the JavaScript thread ~0.5 µs an event.
    const below = offsetBelow(stored);
    const events = batch.events.filter((e) => !below(e.offset));
    const deadLetters = batch.deadLetters.filter((d) => !below(d.offset));
    result.alreadyApplied = batch.events.length - events.length + batch.deadLetters.length - deadLetters.length;

    await conn.run(CLEAR_STAGING);
    result.late = await stageEvents(conn, events);
    await stageDeadLetters(conn, deadLetters);
    const consultations = events.reduce((n, e) => n + (e.event.kind === 'CONSULTED' ? 1 : 0), 0);
    const merged = [];
    const recentAfter = new Map<EntityState, number>();
    for (const spec of ENTITIES) {
      // Skip an entity with nothing staged: its merge would still scan the partition's table.
      if ((spec === CONSULTATIONS ? consultations : events.length - consultations) === 0) continue;
      const state = this.entityState(spec.table, partition);
      const filter = state.filter;
      const c = await mergeEntity(conn, spec, partition, filter ? (hi, lo) => filter.mayContain(hi, lo) : null);
      result.inserted += c.inserted;
      result.replaced += c.replaced;
      result.moved += c.moved;
      merged.push(spec);
      let recentRows = state.recentRows + c.inserted;
      if (recentRows > this.recentRows) {
        await this.moveRecentToOld(conn, spec.table, partition, state, recentRows);
        recentRows = 0;
      }
      recentAfter.set(state, recentRows);
    }
    if (events.length > 0 || deadLetters.length > 0) await addQualityCounts(conn, partition, merged);
    await conn.run(
      `INSERT INTO partition_offsets VALUES ($topic, $partition, $next::BIGINT, now())
       ON CONFLICT (topic, partition) DO UPDATE SET next_offset = excluded.next_offset, updated_at = excluded.updated_at`,
      { topic, partition, next: batch.nextOffset },
    );
    await conn.run('COMMIT');
    this.offsets.set(`${topic}\u0000${partition}`, next);
    for (const [state, rows] of recentAfter) state.recentRows = rows;
    result.events = events.length;
    result.duplicates = events.length - result.inserted;
    result.deadLetters = deadLetters.length;
    this.logger.debug({ topic, partition, ...result }, 'batch applied');
    return result;
  }

  /** The stored next offset (-1 if none); cached, as this process is the store's only writer. */
  private async storedOffset(conn: DuckDBConnection, topic: string, partition: number): Promise<bigint> {
    const key = `${topic}\u0000${partition}`;
    let stored = this.offsets.get(key);
    if (stored === undefined) {
      const row = (
        await conn.runAndReadAll(
          `SELECT next_offset FROM partition_offsets WHERE topic = $topic AND partition = $partition`,
          { topic, partition },
        )
      ).getRows()[0];
      stored = row === undefined ? -1n : BigInt(row[0] as bigint);
      this.offsets.set(key, stored);
    }
    return stored;
  }

  private async rollback(conn: DuckDBConnection): Promise<void> {
    try {
      await conn.run('ROLLBACK');
    } catch {
      // no transaction open
    }
  }

  /** The eight figures of a month, in total and per department, from the current state. */
  async figures(month: Month): Promise<MonthFigures> {
    this.assertOpen();
    return readMonthFigures(await this.reader(), month);
  }

  /** True when the month has any milestone, consultation or quality count (the scheduler skips empty months). */
  async hasData(month: Month): Promise<boolean> {
    this.assertOpen();
    const reader = await (await this.reader()).runAndReadAll(
      `SELECT EXISTS (SELECT 1 FROM milestones WHERE month = $month) OR EXISTS (SELECT 1 FROM consultations WHERE month = $month)
          OR EXISTS (SELECT 1 FROM quality_counts WHERE month = $month)`,
      { month },
    );
    return reader.getRows()[0][0] === true;
  }

  /** What operators watch: stored rows and dead letters by reason, over every month. */
  async operatorCounts(): Promise<{ milestones: number; consultations: number; deadLetters: { reason: string; count: number }[] }> {
    this.assertOpen();
    const reader = await this.reader();
    const rows = (await reader.runAndReadAll('SELECT (SELECT count(*) FROM milestones)::DOUBLE, (SELECT count(*) FROM consultations)::DOUBLE')).getRows()[0];
    const dead = await reader.runAndReadAll(
      `SELECT reason, sum(n)::DOUBLE AS n FROM quality_counts WHERE metric = 'dead_letter' GROUP BY reason ORDER BY n DESC, reason`,
    );
    return {
      milestones: Number(rows[0]),
      consultations: Number(rows[1]),
      deadLetters: dead.getRows().map((r) => ({ reason: String(r[0]), count: Number(r[1]) })),
    };
  }

  /** Per department: its name as last stored and the latest event time of its stored milestones and consultations. */
  async departmentsLastEvent(): Promise<{ departmentCode: string; departmentName: string; lastEventMs: number }[]> {
    this.assertOpen();
    const reader = await (await this.reader()).runAndReadAll(
      `SELECT department_code, arg_max(department_name, event_time), max(event_time)::DOUBLE FROM (
         SELECT department_code, department_name, event_time FROM milestones
         UNION ALL SELECT department_code, department_name, event_time FROM consultations)
       GROUP BY department_code ORDER BY department_code`,
    );
    return reader.getRows().map((r) => ({ departmentCode: String(r[0]), departmentName: String(r[1]), lastEventMs: Number(r[2]) }));
  }

  /** Writes the WAL into the database file (also done automatically past checkpoint_threshold). */
  async checkpoint(): Promise<void> {
    this.assertOpen();
    await this.exclusive((conn) => conn.run('CHECKPOINT'));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.readerOpen?.closeSync();
    for (const writer of this.writers) if (writer !== this.conn) writer.closeSync();
    this.conn.closeSync();
    this.instance.closeSync();
  }

  private reader(): Promise<DuckDBConnection> {
    return (this.readerConn ??= this.instance.connect().then((c) => (this.readerOpen = c)));
  }

  private assertOpen(): void {
    if (this.closed) throw new CasepipeError('STORE_FAILED', 'the live store is closed');
  }
}
