/**
 * Puts a batch into the TEMP staging tables with a DuckDB appender (data chunks of up to 2048 rows),
 * so the merge is set-based SQL instead of a statement per event.
 */
import {
  BIGINT,
  BOOLEAN,
  DuckDBDataChunk,
  type DuckDBAppender,
  INTEGER,
  LIST,
  listValue,
  VARCHAR,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { CST_OFFSET_MS, monthOf } from '../contract/month.js';
import type { BatchDeadLetter, BatchEvent } from './batch.js';

const CHUNK_ROWS = 2048;

const STAGING_TABLES = `
  CREATE OR REPLACE TEMP TABLE stage_raw (
    seq INTEGER, kind INTEGER, case_id VARCHAR, department_code INTEGER, department_name INTEGER,
    item_code VARCHAR, channel INTEGER, delivery_method INTEGER, event_time BIGINT, event_id VARCHAR,
    source_system INTEGER, source_record_id VARCHAR, month INTEGER, late BOOLEAN);
  CREATE OR REPLACE TEMP TABLE stage_dictionary (d VARCHAR[]);
  CREATE OR REPLACE TEMP TABLE stage_dead_letters (
    month VARCHAR, department_code VARCHAR, reason VARCHAR, n BIGINT);`;

export const STAGING_DDL = `${STAGING_TABLES}
  -- A view, not a table: decoding is cheap, copying the strings into another table is not.
  CREATE OR REPLACE TEMP VIEW stage_events AS
  SELECT seq, d[kind] AS kind, case_id, d[department_code] AS department_code,
         d[department_name] AS department_name, item_code, d[channel] AS channel,
         d[delivery_method] AS delivery_method, event_time, event_id, d[source_system] AS source_system,
         source_record_id, d[month] AS month, late
  FROM stage_raw, stage_dictionary;`;

/**
 * Empties the staging tables by creating them again; run at the start of each batch's transaction.
 * Not DELETE: a DELETE only marks rows deleted, and a TEMP table is never checkpointed, so its row
 * groups would keep every row ever staged on the connection. Scans would skip ever more dead rows,
 * and DuckDB plans by the rows a table holds, dead ones included: after 14 batches of the hot-path
 * bench the quality counts' aggregate of 19k staged rows into 120 groups was planned for 4M rows
 * and took 35 ms.
 */
export const CLEAR_STAGING = STAGING_TABLES;

// Each VARCHAR value costs the appender one call into native code, an INTEGER none; so the
// low-cardinality columns travel as indexes into a per-batch dictionary, decoded by the view.
const RAW_TYPES: DuckDBType[] = [
  INTEGER, INTEGER, VARCHAR, INTEGER, INTEGER, VARCHAR, INTEGER, INTEGER, BIGINT, VARCHAR, INTEGER, VARCHAR, INTEGER, BOOLEAN,
];
const DEAD_LETTER_TYPES: DuckDBType[] = [VARCHAR, VARCHAR, VARCHAR, BIGINT];

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

async function appendColumns(conn: DuckDBConnection, table: string, types: DuckDBType[], columns: DuckDBValue[][]): Promise<void> {
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
      chunk.rowCount = end - start;
      chunk.setColumns(columns.map((c) => (start === 0 && end === rows ? c : c.slice(start, end))));
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

/**
 * Stages events for the `stage_events` view (seq = index in `events`). Returns how many are late: their
 * CST month is before the CST month of their Kafka record timestamp.
 */
export async function stageEvents(conn: DuckDBConnection, events: readonly BatchEvent[]): Promise<number> {
  const n = events.length;
  if (n === 0) return 0;
  const cols: DuckDBValue[][] = RAW_TYPES.map(() => new Array<DuckDBValue>(n));
  const dict = new Dictionary();
  const eventMonth = monthCache();
  const recordMonth = monthCache();
  let late = 0;
  for (let i = 0; i < n; i++) {
    const { event: e, timestampMs } = events[i];
    const month = eventMonth(e.eventTime);
    const isLate = month < recordMonth(timestampMs);
    if (isLate) late++;
    cols[0][i] = i;
    cols[1][i] = dict.code(e.kind);
    cols[2][i] = e.caseId;
    cols[3][i] = dict.code(e.departmentCode);
    cols[4][i] = dict.code(e.departmentName);
    cols[5][i] = e.itemCode;
    cols[6][i] = dict.code(e.channel);
    cols[7][i] = e.deliveryMethod === null ? null : dict.code(e.deliveryMethod);
    cols[8][i] = BigInt(e.eventTime);
    cols[9][i] = e.eventId;
    cols[10][i] = dict.code(e.sourceSystem);
    cols[11][i] = e.sourceRecordId;
    cols[12][i] = dict.code(month);
    cols[13][i] = isLate;
  }
  await appendColumns(conn, 'stage_raw', RAW_TYPES, cols);
  await conn.run('INSERT INTO stage_dictionary VALUES ($dict)', { dict: listValue(dict.values) }, { dict: LIST(VARCHAR) });
  return late;
}

/** Dead letters, counted per (ingestion month, department or '', reason). */
export async function stageDeadLetters(conn: DuckDBConnection, deadLetters: readonly BatchDeadLetter[]): Promise<void> {
  const counts = new Map<string, { month: string; department: string; reason: string; n: number }>();
  for (const d of deadLetters) {
    const month = monthOf(d.timestampMs);
    const department = d.departmentCode ?? '';
    const key = `${month}\u0000${department}\u0000${d.reason}`;
    const c = counts.get(key);
    if (c) c.n++;
    else counts.set(key, { month, department, reason: d.reason, n: 1 });
  }
  const rows = [...counts.values()];
  await appendColumns(conn, 'stage_dead_letters', DEAD_LETTER_TYPES, [
    rows.map((r) => r.month),
    rows.map((r) => r.department),
    rows.map((r) => r.reason),
    rows.map((r) => BigInt(r.n)),
  ]);
}
