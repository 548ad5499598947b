/**
 * The set-based dedupe merge of one batch into one partition's tables. Per entity (milestones,
 * consultations), all inside the batch's transaction:
 *   1. per key, the batch's own winner: the smallest rank (event_time, event_id, then the remaining
 *      attributes so that even two copies with the same time and id resolve the same way), picked in
 *      JavaScript while staging (`compareRank`, services/store/batch-staging.ts) and staged with its
 *      copies in the batch and its key_hash (services/store/key-hash.ts); in SQL the rank is a row
 *      comparison of the rank columns (`rankLess`), made only for the few keys that are merged;
 *   2. append mode (the default): the winners whose key the partition's old-key filter has certainly
 *      not seen (staged `fresh`) are appended to the old table by one INSERT, no join; only the
 *      others (the filter's "maybe": the real duplicates and a few false positives) go on to step 3;
 *   3. join those winners with the partition's small recent table on (key_hash, identity) (not in
 *      append mode, where recent stays empty): the hash makes the join cheap, the identity columns
 *      make a hash collision harmless; then look up in the big old table the keys the old-key filter
 *      flags (none: no lookup);
 *   4. insert the new keys (into recent; into old in append mode), update the existing ones where
 *      they are (copies += n; every attribute replaced when the batch winner ranks before the stored
 *      one), log the replacements that restate a figure.
 * Winner = minimum of a total order, so the result does not depend on arrival order or batch split.
 * `compareRank` and `rank` must be the same order: the first picks the batch's winner, the second
 * compares it with the stored one.
 */
import { INTEGER, LIST, listValue, type DuckDBConnection } from '@duckdb/node-api';
import type { CaseEvent } from '../contract/case-event.js';
import { hashKeyPair } from './key-hash.js';
import { forEachKeyHash, KEY_HALVES } from './old-key-filter.js';
import { CODED_COLUMNS, decodedRows, partitionTable, recentTable, type PartitionedTable } from './store-schema.js';

interface EntitySpec {
  table: PartitionedTable;
  /**
   * Sets keyHashHi / keyHashLo (services/store/key-hash.ts) to the key_hash of the event's identity:
   * its two identity values joined by NUL (no identity column can hold a control character,
   * services/contract/validate.ts), hashed without building the string.
   */
  hashIdentity: (e: CaseEvent) => void;
  /** Whether two events of the batch have the same key (staging compares them on a key_hash match). */
  sameKey: (a: CaseEvent, b: CaseEvent) => boolean;
  /** `rank` in JavaScript: the same total order (negative: a ranks first), for the batch's own winner. */
  compareRank: (a: CaseEvent, b: CaseEvent) => number;
  /** Which staged events belong to it. */
  stageFilter: string;
  /** Identity columns (target names). */
  identity: [string, string];
  /** Target column -> expression over stage_events (copies is added by the merge). */
  columns: Record<string, string>;
  /** The total order; smallest wins. Over target column names, NULLs coalesced. Same order as compareRank (rankLess in SQL). */
  rank: string[];
  /** Attributes whose change restates a figure. */
  restating: string[];
  /** milestone_moves.kind and .case_id expressions over the merge table. */
  moveKind: string;
  moveCaseId: string;
}

/**
 * Orders two strings as DuckDB orders VARCHARs (and create_sort_key their keys): by UTF-8 bytes,
 * which is code point order, a prefix first. JavaScript's `<` compares UTF-16 units, which disagrees
 * for a character above U+FFFF (a surrogate pair) against one in U+E000-U+FFFF; moving surrogates
 * above that range restores code point order.
 */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointOrder(x) - codePointOrder(y);
  }
  return a.length - b.length;
}

const codePointOrder = (c: number): number => (c >= 0xd800 ? (c >= 0xe000 ? c - 0x800 : c + 0x2000) : c);
const compareTime = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : 0);

export const MILESTONES: EntitySpec = {
  table: 'milestones',
  hashIdentity: (e) => hashKeyPair(e.kind, e.caseId),
  sameKey: (a, b) => a.caseId === b.caseId && a.kind === b.kind,
  compareRank: (a, b) =>
    compareTime(a.eventTime, b.eventTime) ||
    compareText(a.eventId, b.eventId) ||
    compareText(a.channel, b.channel) ||
    compareText(a.deliveryMethod ?? '', b.deliveryMethod ?? '') ||
    compareText(a.departmentCode, b.departmentCode) ||
    compareText(a.departmentName, b.departmentName) ||
    compareText(a.itemCode ?? '', b.itemCode ?? '') ||
    compareText(a.sourceSystem, b.sourceSystem) ||
    compareText(a.sourceRecordId, b.sourceRecordId),
  stageFilter: `kind IN ('RECEIVED', 'COMPLETED', 'DELIVERED')`,
  identity: ['case_id', 'kind'],
  columns: {
    key_hash: 'key_hash',
    case_id: 'case_id',
    kind: 'kind',
    month: 'month',
    event_time: 'event_time',
    event_id: 'event_id',
    channel: 'channel',
    delivery_method: 'delivery_method',
    department_code: 'department_code',
    department_name: 'department_name',
    item_code: 'item_code',
    source_system: 'source_system',
    source_record_id: 'source_record_id',
  },
  rank: [
    'event_time',
    'event_id',
    'channel',
    "coalesce(delivery_method, '')",
    'department_code',
    'department_name',
    "coalesce(item_code, '')",
    'source_system',
    'source_record_id',
  ],
  restating: ['month', 'department_code', 'channel', 'delivery_method'],
  moveKind: 'kind',
  moveCaseId: 'case_id',
};

export const CONSULTATIONS: EntitySpec = {
  table: 'consultations',
  hashIdentity: (e) => hashKeyPair(e.departmentCode, e.caseId),
  sameKey: (a, b) => a.caseId === b.caseId && a.departmentCode === b.departmentCode && b.kind === 'CONSULTED',
  compareRank: (a, b) =>
    compareTime(a.eventTime, b.eventTime) ||
    compareText(a.eventId, b.eventId) ||
    compareText(a.channel, b.channel) ||
    compareText(a.departmentName, b.departmentName) ||
    compareText(a.sourceSystem, b.sourceSystem) ||
    compareText(a.sourceRecordId, b.sourceRecordId),
  stageFilter: `kind = 'CONSULTED'`,
  identity: ['department_code', 'record_id'],
  columns: {
    key_hash: 'key_hash',
    department_code: 'department_code',
    record_id: 'case_id',
    month: 'month',
    event_time: 'event_time',
    event_id: 'event_id',
    channel: 'channel',
    department_name: 'department_name',
    source_system: 'source_system',
    source_record_id: 'source_record_id',
  },
  rank: ['event_time', 'event_id', 'channel', 'department_name', 'source_system', 'source_record_id'],
  restating: ['month', 'department_code', 'channel'],
  moveKind: `'CONSULTED'`,
  moveCaseId: 'record_id',
};

export const ENTITIES = [MILESTONES, CONSULTATIONS] as const;

const qualify = (alias: string, expr: string): string =>
  expr.replace(/\b(event_time|event_id|channel|delivery_method|department_code|department_name|item_code|source_system|source_record_id|month)\b/g, `${alias}.$1`);

/**
 * SQL: true when row `a` ranks before row `b` (aliases over target column names). DuckDB compares
 * ROW values field by field, VARCHARs by their UTF-8 bytes, as compareRank does. Not stored: the
 * rank is compared only for the keys that are merged, a few per batch, so storing a sort key with
 * every row (it was ~100 bytes, written to the WAL and at every checkpoint) cost more than it saved.
 */
export const rankLess = (spec: EntitySpec, a: string, b: string): string =>
  `ROW(${spec.rank.map((e) => qualify(a, e)).join(', ')}) < ROW(${spec.rank.map((e) => qualify(b, e)).join(', ')})`;

export function mergeTableName(spec: EntitySpec): string {
  return `merge_${spec.table}`;
}

export interface MergeCounts {
  inserted: number;
  replaced: number;
  moved: number;
  existing: number;
  /** Batch keys the old-key filter flagged, and how many of them were really in old. */
  oldCandidates: number;
  oldFound: number;
  /** True when this batch made the entity's merge table (qualityCountsSql reads it then). */
  merged: boolean;
}

/** Says whether a key_hash (as two 32-bit halves) may be in the partition's old table. */
export type MayBeOld = (hi: number, lo: number) => boolean;

export interface MergeInput {
  partition: number;
  /** The partition's old-key filter (null: the old table is empty). */
  mayBeOld: MayBeOld | null;
  /**
   * Append mode (the partition's recent table is empty and stays so): the winners staged `fresh`
   * (certainly new, by the filter in JavaScript) are appended to the old table by one INSERT, with no
   * merge table and no join; only the others (the filter's "maybe") are merged, and their new keys
   * go to old as well. Otherwise every winner is merged and new keys go to recent.
   */
  append: boolean;
  /** The entity's staged winners, and how many of them are staged fresh. */
  keys: number;
  fresh: number;
}

/**
 * Runs steps 2-4 for one entity; the caller holds the transaction and has staged the batch
 * (step 1, services/store/batch-staging.ts). `pending` holds statements not sent yet (staging's
 * unpacking, an earlier entity's append): they go first in this entity's first call, and the
 * entity's own writes are left there when it need not read anything (append mode, every winner
 * fresh: the rows inserted are the fresh ones), for the caller's last call of the batch.
 */
export async function mergeEntity(conn: DuckDBConnection, spec: EntitySpec, input: MergeInput, pending: string[]): Promise<MergeCounts> {
  const { partition, mayBeOld, append } = input;
  const old = partitionTable(spec.table, partition);
  const recent = recentTable(spec.table, partition);
  const merge = mergeTableName(spec);
  const cols = Object.keys(spec.columns);
  // The staged texts (compared with the stored rows, decoded) and the codes the tables store
  // (stored_<column>, from stage_events); `storedCols` is what an INSERT writes for `cols`.
  const coded = CODED_COLUMNS[spec.table];
  const stageProjection = [
    ...Object.entries(spec.columns).map(([col, expr]) => `${expr} AS ${col}`),
    ...coded.map((c) => `stored_${c}`),
  ].join(', ');
  const stored = (c: string) => (coded.includes(c) ? `stored_${c}` : c);
  const storedCols = cols.map(stored).join(', ');
  const [id1, id2] = spec.identity;
  const changed = spec.restating.map((c) => `s.${c} IS DISTINCT FROM m.${c}`).join(' OR ');
  const wins = rankLess(spec, 's', 'm');
  const sameKey = `m.key_hash = s.key_hash AND m.${id1} = s.${id1} AND m.${id2} = s.${id2}`;
  const staged = (where: string) => `SELECT seq, n, ${stageProjection} FROM stage_events WHERE ${spec.stageFilter} AND ${where}`;
  const counts: MergeCounts = { inserted: 0, replaced: 0, moved: 0, existing: 0, oldCandidates: 0, oldFound: 0, merged: false };
  const writes = pending;
  if (append && input.fresh > 0) {
    writes.push(`INSERT INTO ${old} (partition, ${cols.join(', ')}, copies) SELECT ${partition}, ${storedCols}, n FROM (${staged('fresh')})`);
    counts.inserted = input.fresh;
  }
  const toMerge = append ? input.keys - input.fresh : input.keys;
  if (toMerge === 0) return counts;
  counts.merged = true;
  // Staging holds the batch's own winner per key already, with its copies `n` (batch-staging.ts).
  // The recent table is small (at most recentRows plus a batch; empty in append mode, where it is not
  // joined): joined in full. Only a few narrow columns of the stored rows are read: a scan reads
  // every projected column of every row.
  const createMerge = append
    ? `CREATE OR REPLACE TEMP TABLE ${merge} AS
       SELECT s.*, NULL::BIGINT AS rid, false AS in_old, NULL::VARCHAR AS old_month, NULL::VARCHAR AS old_department_code,
              true AS is_new, false AS wins, false AS changed
       FROM (${staged('NOT fresh')}) s`
    : `CREATE OR REPLACE TEMP TABLE ${merge} AS
       WITH s AS (${staged('true')})
       SELECT s.*, m.rid, false AS in_old, m.month AS old_month, m.department_code AS old_department_code,
              m.rid IS NULL AS is_new,
              m.rid IS NOT NULL AND ${wins} AS wins,
              m.rid IS NOT NULL AND ${wins} AND (${changed}) AS changed
       FROM s LEFT JOIN ${decodedRows(spec.table, recent, { rowid: true })} m ON ${sameKey}`;
  // In append mode every merged key is a candidate (the filter flagged it while staging); otherwise
  // the new keys' hashes are read back and asked. Without an old table nothing is read between the
  // merge table and the writes: one call (below).
  let candidates: number[] | 'all' = [];
  if (mayBeOld && append) {
    await conn.run(writes.concat(createMerge).join(';\n'));
    writes.length = 0;
    candidates = 'all';
    counts.oldCandidates = toMerge;
  } else if (mayBeOld) {
    await conn.run(writes.concat(createMerge).join(';\n'));
    writes.length = 0;
    const flagged: number[] = [];
    await forEachKeyHash(conn, `SELECT ${KEY_HALVES}, seq FROM ${merge} WHERE is_new`, (hi, lo, i, chunk) => {
      if (mayBeOld(hi, lo)) flagged.push(chunk.getColumnVector(2).getItem(i) as number);
    });
    candidates = flagged;
    counts.oldCandidates = flagged.length;
  } else {
    writes.push(createMerge);
  }
  if (candidates === 'all' || candidates.length > 0) {
    // Two steps, so the old table's scan reads key_hash alone (measured on 900k rows: 3-12 ms for
    // 10-2000 keys, against 27-50 ms for one join that also reads identity and rank columns);
    // the matching rows are then fetched by rowid.
    if (candidates === 'all') {
      await conn.run(`CREATE OR REPLACE TEMP TABLE old_hits AS SELECT rowid AS rid FROM ${old} WHERE key_hash IN (SELECT key_hash FROM ${merge})`);
    } else {
      await conn.run(
        `CREATE OR REPLACE TEMP TABLE old_hits AS SELECT rowid AS rid FROM ${old}
         WHERE key_hash IN (SELECT key_hash FROM ${merge} WHERE seq IN (SELECT unnest($seqs::INTEGER[])))`,
        { seqs: listValue(candidates) },
        { seqs: LIST(INTEGER) },
      );
    }
    // The hits' full rows, by rowid (a rowid filter is pushed into the scan; measured: 7 ms for 20
    // rows of 900k, where one three-way join with the merge table took 18 ms), decoded.
    await conn.run(
      `CREATE OR REPLACE TEMP TABLE old_rows AS
       SELECT * FROM ${decodedRows(spec.table, `(SELECT rowid AS rid, * FROM ${old} WHERE rowid IN (SELECT rid FROM old_hits))`)}`,
    );
    counts.oldFound = (
      await conn.run(`
        UPDATE ${merge} SET rid = o.rid, in_old = true, old_month = o.old_month, old_department_code = o.old_department_code,
               is_new = false, wins = o.wins, changed = o.changed
        FROM (
          SELECT s.seq, m.rid, m.month AS old_month, m.department_code AS old_department_code,
                 ${wins} AS wins, ${wins} AND (${changed}) AS changed
          FROM old_rows m JOIN ${merge} s ON ${sameKey}
        ) o
        WHERE ${merge}.seq = o.seq`)
    ).rowsChanged;
  }
  // The writes go in one call with the statement that counts them (the call's only SELECT, so its
  // result is the call's): each call is a round trip through libuv's thread pool. On an empty
  // selection the joins skip the scan.
  writes.push(
    `INSERT INTO ${append ? old : recent} (partition, ${cols.join(', ')}, copies)
     SELECT ${partition}, ${storedCols}, n FROM ${merge} WHERE is_new`,
  );
  const replaceable = cols.filter((c) => c !== 'key_hash' && c !== id1 && c !== id2);
  for (const [target, inOld] of [[recent, false], [old, true]] as const) {
    if (inOld ? counts.oldFound === 0 : append) continue;
    const where = `${inOld ? '' : 'NOT '}u.in_old AND ${target}.rowid = u.rid`;
    // Two updates, so a losing copy rewrites only `copies` (less undo, WAL and checkpoint work).
    writes.push(
      `UPDATE ${target} SET copies = ${target}.copies + u.n
       FROM ${merge} u WHERE NOT u.is_new AND NOT u.wins AND ${where}`,
      `UPDATE ${target} SET copies = ${target}.copies + u.n, ${replaceable.map((c) => `${c} = u.${stored(c)}`).join(', ')}
       FROM ${merge} u WHERE u.wins AND ${where}`,
    );
  }
  writes.push(
    `INSERT INTO milestone_moves
     SELECT ${partition}, ${spec.moveKind}, ${spec.moveCaseId}, old_month, month, old_department_code,
            department_code, event_id, now()
     FROM ${merge} WHERE changed`,
    // Each merge row names one stored row (keys are unique in the partition), so these are the
    // statements' row counts.
    `SELECT count(*) FILTER (WHERE is_new), count(*) FILTER (WHERE NOT is_new AND NOT wins),
            count(*) FILTER (WHERE wins), count(*) FILTER (WHERE changed)
     FROM ${merge}`,
  );
  const [inserted, kept, replaced, moved] = (await conn.runAndReadAll(writes.join(';\n'))).getRows()[0].map(Number);
  writes.length = 0;
  counts.inserted += inserted;
  counts.replaced = replaced;
  counts.moved = moved;
  counts.existing = kept + replaced;
  return counts;
}

/**
 * The statement that adds the batch's quality counters (run with the batch's last statements and its
 * COMMIT in one call). Dropped copies are attributed to the month and department of
 * the copy that lost: the batch's own losers (counted in JavaScript when staging picked the batch's
 * winners, in `stage_counts` with events read, late events and dead letters), each batch winner that
 * lost to the stored winner, and each stored winner that was just replaced. Over any order of
 * arrival that is every copy but the final winner, so these counts are order independent too.
 */
export function qualityCountsSql(partition: number, merged: readonly EntitySpec[]): string {
  // Only the merge tables this batch made: a TEMP table outlives its batch on the connection.
  const fromMerge = merged.map(
    (s) => `
      UNION ALL SELECT month, department_code, 'duplicates_dropped', '', 1 FROM ${mergeTableName(s)} WHERE NOT is_new AND NOT wins
      UNION ALL SELECT old_month, old_department_code, 'duplicates_dropped', '', 1 FROM ${mergeTableName(s)} WHERE wins`,
  );
  return `
    INSERT INTO quality_counts (partition, month, department_code, metric, reason, n)
    SELECT ${partition}, month, department_code, metric, reason, sum(n)::BIGINT FROM (
      SELECT month, department_code, metric, reason, n FROM stage_counts${fromMerge.join('')}
    ) GROUP BY month, department_code, metric, reason
    ON CONFLICT (partition, month, department_code, metric, reason) DO UPDATE SET n = quality_counts.n + excluded.n`;
}
