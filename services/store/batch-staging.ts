/**
 * Puts a batch into the TEMP staging tables, so the merge is set-based SQL instead of a statement per
 * event: `prepareBatch` picks the batch's winners and counts (no store needed: the stream worker runs it
 * as a batch arrives), `writeStaging` appends them (numbers as typed vectors, ids as packed texts that
 * DuckDB unpacks, below) and the quality counters.
 */
import {
  BIGINT,
  BOOLEAN,
  DOUBLE,
  DuckDBDataChunk,
  INTEGER,
  UINTEGER,
  type DuckDBAppender,
  VARCHAR,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { EVENT_KINDS } from '../contract/case-event.js';
import { CST_OFFSET_MS, monthOf } from '../contract/month.js';
import { CasepipeError } from '../platform/errors.js';
import type { BatchDeadLetter, BatchEvent } from './batch.js';
import { CONSULTATIONS, MILESTONES } from './dedupe-merge.js';
import { keyHashHi, keyHashLo } from './key-hash.js';
import type { PartitionedTable } from './store-schema.js';

const CHUNK_ROWS = 2048;
const KNOWN_KINDS = new Set<string>(EVENT_KINDS.filter((k) => k !== 'UNKNOWN'));

/**
 * stage_raw's columns as they travel, in two tables appended with a DuckDB appender:
 *
 * - `stage_numbers`, one row per batch winner in typed vectors: the kind, department, item code,
 *   channel, method, source system and month as 1-based indexes into the batch's dictionary (a 实施编码
 *   is ~55 bytes and one serves many cases; 0 for no item code or method), the event time (a DOUBLE: epoch milliseconds are exact
 *   below 2^53), the copies, the key_hash halves and `fresh`. A numeric vector is filled in a typed
 *   array and copied to DuckDB in one call: no string per number.
 * - `stage_packed`, one row per batch: each high-cardinality text column (case, event and record ids)
 *   joined into one string by U+0001 (which no staged text can hold: validate.ts refuses control
 *   characters), the dictionary, and the store's codes of the dictionary's texts (what the partition
 *   tables store, services/store/store-dictionary.ts). A VARCHAR vector costs a native call and a copy per value on the
 *   JavaScript thread, the thread the worker runs out of first; a join is one native call per column,
 *   and the splitting runs on DuckDB's thread.
 *
 * UNPACK splits the texts and lays them beside the numbers by position (POSITIONAL JOIN: the i-th
 * text of each list with the i-th appended row).
 */
const NUMBERS = [
  ['seq', INTEGER], ['kind', INTEGER], ['department_code', INTEGER], ['department_name', INTEGER], ['item_code', INTEGER],
  ['channel', INTEGER], ['delivery_method', INTEGER], ['event_time', DOUBLE], ['source_system', INTEGER], ['month', INTEGER],
  ['n', INTEGER], ['key_hi', UINTEGER], ['key_lo', UINTEGER], ['fresh', BOOLEAN],
] as const;
const NUMBER_TYPES: DuckDBType[] = NUMBERS.map(([, t]) => t);
const TEXTS = ['case_id', 'event_id', 'source_record_id', 'dictionary', 'codes'] as const;
const TEXT_TYPES: DuckDBType[] = TEXTS.map(() => VARCHAR);
// Into the tables CLEAR_STAGING made empty, the dictionary first.
const UNPACK = `
  INSERT INTO stage_dictionary SELECT string_split(dictionary, chr(1)), string_split(codes, chr(1))::INTEGER[] FROM stage_packed;
  INSERT INTO stage_raw
  SELECT n.seq, n.kind, t.case_id, n.department_code, n.department_name, nullif(n.item_code, 0), n.channel, nullif(n.delivery_method, 0),
         n.event_time::BIGINT AS event_time, t.event_id, n.source_system, t.source_record_id, n.month, n.n,
         (n.key_hi::UBIGINT << 32) | n.key_lo::UBIGINT AS key_hash, n.fresh
  FROM stage_numbers n POSITIONAL JOIN (
    SELECT unnest(string_split(case_id, chr(1))) AS case_id, unnest(string_split(event_id, chr(1))) AS event_id,
           unnest(string_split(source_record_id, chr(1))) AS source_record_id
    FROM stage_packed) t`;

// stage_raw: the batch's own winner of each key (seq numbers them), its key_hash, whether it is
// certainly new to the partition (`fresh`), and its copies in the batch, n (made by UNPACK).
// stage_counts: events read, late events and the batch's own dropped copies per (month, department),
// and the dead letters per (ingestion month, department or '', reason).
const STAGING_TABLES = `
  CREATE OR REPLACE TEMP TABLE stage_raw (
    seq INTEGER, kind INTEGER, case_id VARCHAR, department_code INTEGER, department_name INTEGER,
    item_code INTEGER, channel INTEGER, delivery_method INTEGER, event_time BIGINT, event_id VARCHAR,
    source_system INTEGER, source_record_id VARCHAR, month INTEGER, n INTEGER, key_hash UBIGINT, fresh BOOLEAN);
  CREATE OR REPLACE TEMP TABLE stage_dictionary (d VARCHAR[], c INTEGER[]);
  CREATE OR REPLACE TEMP TABLE stage_numbers (${NUMBERS.map(([c, t]) => `${c} ${t.toString()}`).join(', ')});
  CREATE OR REPLACE TEMP TABLE stage_packed (${TEXTS.map((c) => `${c} VARCHAR`).join(', ')});
  CREATE OR REPLACE TEMP TABLE stage_counts (
    month VARCHAR, department_code VARCHAR, metric VARCHAR, reason VARCHAR, n BIGINT);`;

export const STAGING_DDL = `${STAGING_TABLES}
  -- A view, not a table: looking up the dictionary is cheap, copying its strings into every row is not.
  -- The texts (the merge compares them) and, as stored_<column>, the store's codes of the coded
  -- columns (what the partition tables hold: CODED_COLUMNS, services/store/store-schema.ts).
  CREATE OR REPLACE TEMP VIEW stage_events AS
  SELECT seq, d[kind] AS kind, case_id, d[department_code] AS department_code,
         d[department_name] AS department_name, d[item_code] AS item_code, d[channel] AS channel,
         d[delivery_method] AS delivery_method, event_time, event_id, d[source_system] AS source_system,
         source_record_id, d[month] AS month, n, key_hash, fresh,
         c[kind] AS stored_kind, c[department_code] AS stored_department_code, c[department_name] AS stored_department_name,
         c[item_code] AS stored_item_code, c[channel] AS stored_channel, c[delivery_method] AS stored_delivery_method,
         c[source_system] AS stored_source_system
  FROM stage_raw, stage_dictionary;`;

/**
 * Empties the staging tables by creating them again: the store runs it in each batch's transaction, just
 * before COMMIT (and before a batch that follows a failed one on the connection).
 * Not DELETE: a DELETE only marks rows deleted, and a TEMP table is never checkpointed, so its row
 * groups would keep every row ever staged on the connection (memory that only grows). Scans would
 * skip ever more dead rows, and DuckDB plans by the rows a table holds, dead ones included: after
 * 14 batches of the hot-path bench's events (tests/bench/hotpath-profile.ts) the quality counts'
 * aggregate of 19k staged rows into 120 groups was planned for 4M rows.
 */
export const CLEAR_STAGING = STAGING_TABLES;

const COUNT_TYPES: DuckDBType[] = [VARCHAR, VARCHAR, VARCHAR, VARCHAR, BIGINT];

/** Assigns 1-based indexes (DuckDB lists are 1-based) to the distinct strings of a batch. */
class Dictionary {
  private readonly index = new Map<string, number>();
  readonly values: string[] = [];
  code(value: string): number {
    let i = this.index.get(value);
    if (i === undefined) {
      this.values.push(value);
      i = this.values.length;
      this.index.set(value, i);
    }
    return i;
  }
}

/** Months repeat a lot within a batch; monthOf is cheap but not free. */
function monthCache(): (ms: number) => string {
  let lo = 0;
  let hi = -1;
  let cached = '';
  return (ms) => {
    if (ms >= lo && ms < hi) return cached;
    cached = monthOf(ms);
    // Every instant of one CST day has the same month.
    const dayMs = 86_400_000;
    lo = Math.floor((ms + CST_OFFSET_MS) / dayMs) * dayMs - CST_OFFSET_MS;
    hi = lo + dayMs;
    return cached;
  };
}

/**
 * One data chunk per column layout, reused across batches: native memory behind a small JS object,
 * which V8 feels no pressure to collect (measured: new chunks and appenders per batch added ~300 MB
 * of RSS over 300k events before the store collected garbage every few batches). The appender
 * cannot be reused: the staging tables are created again for every batch (CLEAR_STAGING), so each
 * batch makes one per table and closes it after its flush.
 */
const chunks = new Map<DuckDBType[], DuckDBDataChunk>();

/** Columns of plain arrays or typed arrays (numbers), one value per row. */
type Column = readonly DuckDBValue[] | Int32Array | Uint32Array | Float64Array;

/**
 * Fills a numeric column of the chunk in one copy: `setColumnValues` checks and sets every value with a
 * call each (~1 s of the worker's thread per 1M events in the hot-path bench's CPU profile). Uses the
 * vector's own typed array (`items`, not part of @duckdb/node-api's typings); false (the caller sets
 * the values one by one) when the column is not a typed array of the same kind, e.g. another library
 * version. The staged numbers are never null, so the vector's validity stays all valid.
 */
function copyTypedColumn(chunk: DuckDBDataChunk, column: number, values: Column): boolean {
  if (!ArrayBuffer.isView(values)) return false;
  const vector = chunk.getColumnVector(column) as unknown as { items?: unknown; flush(): void };
  const items = vector.items;
  if (!ArrayBuffer.isView(items) || items.constructor !== values.constructor || (items as Int32Array).length !== values.length) return false;
  (items as Int32Array).set(values as Int32Array);
  vector.flush();
  return true;
}

async function appendColumns(conn: DuckDBConnection, table: string, types: DuckDBType[], columns: readonly Column[]): Promise<void> {
  const rows = columns[0]?.length ?? 0;
  if (rows === 0) return;
  let chunk = chunks.get(types);
  if (!chunk) {
    chunk = DuckDBDataChunk.create(types, CHUNK_ROWS);
    chunks.set(types, chunk);
  }
  const appender: DuckDBAppender = await conn.createAppender(table, 'main', 'temp');
  try {
    for (let start = 0; start < rows; start += CHUNK_ROWS) {
      const end = Math.min(rows, start + CHUNK_ROWS);
      chunk.reset();
      chunk.rowCount = end - start; // also drops the chunk's vectors made for the previous row count
      for (let c = 0; c < columns.length; c++) {
        const column = columns[c];
        const part = start === 0 && end === rows ? column : column.slice(start, end);
        if (!copyTypedColumn(chunk, c, part)) chunk.setColumnValues(c, part as DuckDBValue[]);
      }
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
  } finally {
    try {
      appender.closeSync();
    } catch {
      // a failed appender may not close; the transaction rolls back anyway
    }
  }
}

/** Quality counters of one batch, by (month, department, metric, reason). */
class Counts {
  private readonly rows = new Map<string, { month: string; department: string; metric: string; reason: string; n: number }>();

  add(month: string, department: string, metric: string, reason: string, n: number): void {
    const key = `${month}\u0000${department}\u0000${metric}\u0000${reason}`;
    const row = this.rows.get(key);
    if (row) row.n += n;
    else this.rows.set(key, { month, department, metric, reason, n });
  }

  columns(): DuckDBValue[][] {
    const rows = [...this.rows.values()];
    return [rows.map((r) => r.month), rows.map((r) => r.department), rows.map((r) => r.metric), rows.map((r) => r.reason), rows.map((r) => BigInt(r.n))];
  }
}

/**
 * Says whether a key (its key_hash halves) is certainly not stored in the partition's table of that
 * entity, so that its batch winner can be appended without a merge. Only a certain answer may say
 * true (a Bloom filter's "not present"); `null` for an entity: merge every key.
 */
export type CertainlyNew = Record<PartitionedTable, ((hi: number, lo: number) => boolean) | null>;

/** What staging learned about a batch's keys, per entity. */
export interface StagedKeys {
  /** Winners staged (one per key). */
  keys: number;
  /** Key hashes of the winners staged `fresh` (certainly new), as hi, lo pairs: they go into the old-key filter. */
  fresh: number[];
}

export interface StagedBatch {
  /** Events whose CST month is before the CST month of their Kafka record timestamp. */
  late: number;
  milestones: StagedKeys;
  consultations: StagedKeys;
}

/**
 * A batch's events as staging needs them, made without the store (`prepareBatch`): the batch's own
 * winner of each key in columns (typed arrays and packed texts), the quality counters, and what the
 * worker's status wants of the events. The worker prepares each batch as it arrives and queues this
 * instead of ~10k event objects per batch: typed arrays live outside V8's heap and a long string is
 * one object (1M events of the hot-path bench: the forced full collections 1,052 against 706 ms; the
 * scavenges, which mostly copy kafkajs's records of the fetch in hand, about the same).
 */
export interface PreparedEvents {
  /** Events in the batch (valid ones: the dead letters are counted apart). */
  readonly events: number;
  /** Offset of the first event; undefined without events. */
  readonly firstOffset: string | undefined;
  readonly late: number;
  /** Winners (one per key); the columns below have one entry per winner. */
  readonly winners: number;
  /** 1 for a consultation, 0 for a milestone. */
  readonly consultation: Uint8Array;
  readonly keyHi: Uint32Array;
  readonly keyLo: Uint32Array;
  /** stage_numbers' columns but `fresh` (decided against the store's old-key filter when written). */
  readonly numbers: readonly (Int32Array | Uint32Array | Float64Array)[];
  /** stage_packed's row but the codes: case ids, event ids, record ids, the dictionary (each joined by U+0001). */
  readonly texts: readonly string[];
  /** The batch's dictionary: the texts the 1-based indexes of `numbers` refer to. */
  readonly dictionary: readonly string[];
  /** stage_counts' columns. */
  readonly counts: readonly DuckDBValue[][];
  /** Per department among the events: its name on, and the record timestamp of, its newest record. */
  readonly departments: readonly { code: string; name: string; atMs: number }[];
}

const NEVER_NEW: CertainlyNew = { milestones: null, consultations: null };

/**
 * Stages a batch (`prepareBatch`, then `writeStaging` and its pending statements) on a connection
 * without a store: the batch's own dictionary indexes stand in for the store's codes.
 */
export async function stageBatch(
  conn: DuckDBConnection,
  events: readonly BatchEvent[],
  deadLetters: readonly BatchDeadLetter[],
  certainlyNew: CertainlyNew = NEVER_NEW,
): Promise<StagedBatch> {
  const pending: string[] = [];
  const prepared = prepareBatch(events, deadLetters, 'staged batch');
  const codes = Int32Array.from(prepared.dictionary, (_, i) => i + 1);
  const staged = await writeStaging(conn, prepared, codes, certainlyNew, pending);
  if (pending.length > 0) await conn.run(pending.join(';\n'));
  return staged;
}

/**
 * Slot table of the batch's keys: zeroed, a power of two at least twice the events; reused (grown)
 * across batches. prepareBatch is synchronous, so one table serves every batch.
 */
let slotTable = new Int32Array(1024);
function keySlots(events: number): Int32Array {
  let size = slotTable.length;
  while (size < events * 2) size *= 2;
  if (size !== slotTable.length) slotTable = new Int32Array(size);
  else slotTable.fill(0);
  return slotTable;
}

/**
 * Prepares a batch for staging: per key (milestone or consultation), the batch's own winner (the
 * smallest rank, `compareRank` of services/store/dedupe-merge.ts: the same total order the merge
 * applies in SQL) with its number of copies in the batch and its key hash (services/store/key-hash.ts);
 * and the batch's quality counters: events read and late events per (event month, department), each
 * copy that lost within the batch as a dropped duplicate of its own month and department, and the dead
 * letters per (ingestion month, department or '', reason). Picking the batch's winners here instead of
 * in SQL (arg_min over the rank key, joined back) spares DuckDB a hash aggregate and a join over every
 * staged event. Pure: the store's state comes in at `writeStaging`. An event of a kind the store cannot
 * keep (validation dead-letters those first) is refused with UNKNOWN_KIND, naming `source` (e.g.
 * `topic[partition]`) and its offset.
 */
export function prepareBatch(events: readonly BatchEvent[], deadLetters: readonly BatchDeadLetter[], source: string): PreparedEvents {
  const counts = new Counts();
  const n = events.length;
  const eventMonth = monthCache();
  const recordMonth = monthCache();
  const months = new Array<string>(n);
  /** Per (month, department): events read, late, dropped within the batch (by month, then department: no key string per event). */
  type Tally = { month: string; department: string; read: number; late: number; dropped: number; name: string; atMs: number };
  const perMonth = new Map<string, Map<string, Tally>>();
  const tallies: Tally[] = [];
  const tally = (month: string, department: string) => {
    let byDepartment = perMonth.get(month);
    if (!byDepartment) perMonth.set(month, (byDepartment = new Map()));
    let t = byDepartment.get(department);
    if (!t) {
      byDepartment.set(department, (t = { month, department, read: 0, late: 0, dropped: 0, name: '', atMs: -Infinity }));
      tallies.push(t);
    }
    return t;
  };
  const slots = keySlots(n);
  const mask = slots.length - 1;
  /** Per slot (one per key): its key_hash halves, the index of its batch winner, its copies. */
  const hiOf: number[] = [];
  const loOf: number[] = [];
  const winners: number[] = [];
  const copies: number[] = [];
  let late = 0;
  for (let i = 0; i < n; i++) {
    const { event: e, timestampMs } = events[i];
    if (!KNOWN_KINDS.has(e.kind)) {
      throw new CasepipeError('UNKNOWN_KIND', `${source}@${events[i].offset} event ${e.eventId}: kind ${JSON.stringify(e.kind)} cannot be stored (validate and dead-letter it first)`);
    }
    const month = eventMonth(e.eventTime);
    months[i] = month;
    const t = tally(month, e.departmentCode);
    t.read++;
    if (timestampMs > t.atMs) {
      t.atMs = timestampMs;
      t.name = e.departmentName;
    }
    if (month < recordMonth(timestampMs)) {
      late++;
      t.late++;
    }
    const spec = e.kind === 'CONSULTED' ? CONSULTATIONS : MILESTONES;
    spec.hashIdentity(e);
    const hi = keyHashHi;
    const lo = keyHashLo;
    // Open addressing over the key_hash (linear probing); the identity decides on a hash match.
    let at = lo & mask;
    let slot = -1;
    for (let taken = slots[at]; taken !== 0; taken = slots[at]) {
      const s = taken - 1;
      if (loOf[s] === lo && hiOf[s] === hi && spec.sameKey(events[winners[s]].event, e)) {
        slot = s;
        break;
      }
      at = (at + 1) & mask;
    }
    if (slot < 0) {
      slots[at] = winners.length + 1;
      hiOf.push(hi);
      loOf.push(lo);
      winners.push(i);
      copies.push(1);
      continue;
    }
    copies[slot]++;
    const w = winners[slot];
    let loser = i;
    if (spec.compareRank(e, events[w].event) < 0) {
      winners[slot] = i;
      loser = w;
    }
    tally(months[loser], events[loser].event.departmentCode).dropped++;
  }
  const newest = new Map<string, { code: string; name: string; atMs: number }>();
  for (const t of tallies) {
    counts.add(t.month, t.department, 'events_read', '', t.read);
    if (t.late > 0) counts.add(t.month, t.department, 'late_events', '', t.late);
    if (t.dropped > 0) counts.add(t.month, t.department, 'duplicates_dropped', '', t.dropped);
    const had = newest.get(t.department);
    if (t.read > 0 && (!had || t.atMs > had.atMs)) newest.set(t.department, { code: t.department, name: t.name, atMs: t.atMs });
  }
  for (const d of deadLetters) counts.add(monthOf(d.timestampMs), d.departmentCode ?? '', 'dead_letter', d.reason, 1);

  const m = winners.length;
  const consultation = new Uint8Array(m);
  const keyHi = Uint32Array.from(hiOf);
  const keyLo = Uint32Array.from(loOf);
  // stage_numbers' columns (NUMBERS) but fresh; item code and method 0 for none (indexes start at 1).
  const seq = new Int32Array(m);
  const kind = new Int32Array(m);
  const departmentCode = new Int32Array(m);
  const departmentName = new Int32Array(m);
  const itemCode = new Int32Array(m);
  const channel = new Int32Array(m);
  const deliveryMethod = new Int32Array(m);
  const eventTime = new Float64Array(m);
  const sourceSystem = new Int32Array(m);
  const month = new Int32Array(m);
  const copiesColumn = Int32Array.from(copies);
  const caseIds = new Array<string>(m);
  const eventIds = new Array<string>(m);
  const recordIds = new Array<string>(m);
  const dict = new Dictionary();
  for (let s = 0; s < m; s++) {
    const i = winners[s];
    const e = events[i].event;
    consultation[s] = e.kind === 'CONSULTED' ? 1 : 0;
    seq[s] = s;
    kind[s] = dict.code(e.kind);
    departmentCode[s] = dict.code(e.departmentCode);
    departmentName[s] = dict.code(e.departmentName);
    itemCode[s] = e.itemCode === null ? 0 : dict.code(e.itemCode);
    channel[s] = dict.code(e.channel);
    deliveryMethod[s] = e.deliveryMethod === null ? 0 : dict.code(e.deliveryMethod);
    eventTime[s] = e.eventTime;
    sourceSystem[s] = dict.code(e.sourceSystem);
    month[s] = dict.code(months[i]);
    caseIds[s] = e.caseId;
    eventIds[s] = e.eventId;
    recordIds[s] = e.sourceRecordId;
  }
  return {
    events: n,
    firstOffset: events[0]?.offset,
    late,
    winners: m,
    consultation,
    keyHi,
    keyLo,
    numbers: [seq, kind, departmentCode, departmentName, itemCode, channel, deliveryMethod, eventTime, sourceSystem, month, copiesColumn, keyHi, keyLo],
    texts: [caseIds.join('\u0001'), eventIds.join('\u0001'), recordIds.join('\u0001'), dict.values.join('\u0001')],
    dictionary: dict.values,
    counts: counts.columns(),
    departments: [...newest.values()],
  };
}

/**
 * Writes a prepared batch into the staging tables, each winner staged `fresh` when `certainlyNew` says
 * the partition has never stored its key; and the quality counters into `stage_counts`. The appends
 * are done when it returns; the statement that lays the winners out in `stage_raw` (what
 * `stage_events` shows, seq numbering them) is pushed onto `pending`, for the caller to send with its
 * next statements in one call: each call is a round trip through libuv's thread pool, and its result
 * waits for a turn of the JavaScript thread, which is busy decoding the next batches (the store's
 * batches waited ~15 ms per call in the hot-path bench). It fails that call when the unpacked rows are
 * not the winners (a text holding U+0001). `codes` are the store's codes of `prepared.dictionary`, in its
 * order (services/store/store-dictionary.ts). Leaves `prepared` as it was (a retried batch writes it again).
 */
export async function writeStaging(
  conn: DuckDBConnection,
  prepared: PreparedEvents,
  codes: Int32Array,
  certainlyNew: CertainlyNew,
  pending: string[],
): Promise<StagedBatch> {
  const staged: StagedBatch = { late: prepared.late, milestones: { keys: 0, fresh: [] }, consultations: { keys: 0, fresh: [] } };
  const m = prepared.winners;
  if (m > 0) {
    const { consultation, keyHi, keyLo } = prepared;
    const fresh = new Array<boolean>(m);
    for (let s = 0; s < m; s++) {
      const entity = consultation[s] === 1 ? staged.consultations : staged.milestones;
      const isNew = certainlyNew[consultation[s] === 1 ? 'consultations' : 'milestones'];
      const hi = keyHi[s];
      const lo = keyLo[s];
      const f = isNew !== null && isNew(hi, lo);
      fresh[s] = f;
      entity.keys++;
      if (f) entity.fresh.push(hi, lo);
    }
    await appendColumns(conn, 'stage_numbers', NUMBER_TYPES, [...prepared.numbers, fresh]);
    await appendColumns(conn, 'stage_packed', TEXT_TYPES, [...prepared.texts, codes.join('\u0001')].map((t) => [t]));
    pending.push(UNPACK, unpackedCheck(m));
  }
  await appendColumns(conn, 'stage_counts', COUNT_TYPES, prepared.counts);
  return staged;
}

/**
 * Fails the call it runs in unless UNPACK laid out exactly the `winners` staged: a text holding U+0001
 * would shift its column. An UPDATE that changes nothing, not a SELECT: a call of several statements
 * answers with its first SELECT's rows, and the merge reads its counts from its call's last SELECT.
 */
function unpackedCheck(winners: number): string {
  const unpacked = '(SELECT count(*) FROM stage_raw)';
  return `UPDATE stage_dictionary SET d = d WHERE CASE WHEN ${unpacked} <> ${winners}
    THEN error('staging unpacked ' || ${unpacked} || ' rows for ${winners} winners: a staged text holds U+0001') ELSE false END`;
}
