import { DuckDBInstance, LIST, listValue, VARCHAR, BIGINT } from '@duckdb/node-api';
import type { CaseEvent } from '../contract/case-event.js';
import { compareText, CONSULTATIONS, MILESTONES, rankKeyOf } from './dedupe-merge.js';
import { rng } from './testing/synthetic-events.js';

// The batch's own winner is picked in JavaScript (compareRank), the winner against the stored row in
// SQL (rank_key): the two must be one order, or the result would depend on how batches are cut.
const PIECES = ['a', 'b', 'A', ' ', '-', '~', '\u007f', 'é', '部', '门', '\ue000', '\uffee', '😀', '𠀀', 'z', '0', '\u00a0', '\u3000'];

function text(random: () => number, max: number): string {
  let s = '';
  for (let n = Math.floor(random() * (max + 1)); n > 0; n--) s += PIECES[Math.floor(random() * PIECES.length)];
  return s;
}

function events(seed: number, count: number): CaseEvent[] {
  const random = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  return Array.from({ length: count }, () => ({
    eventId: pick(['e1', 'e2', text(random, 2)]),
    kind: 'DELIVERED' as const,
    caseId: 'C1',
    departmentCode: pick(['D1', 'D2']),
    departmentName: text(random, 2),
    itemCode: pick([null, '', text(random, 2)]),
    channel: pick(['FULL_ONLINE', 'OTHER'] as const),
    deliveryMethod: pick([null, 'MAIL', 'OTHER'] as const),
    eventTime: 1_754_000_000_000 + Math.floor(random() * 3),
    sourceSystem: text(random, 2),
    sourceRecordId: text(random, 3),
    attributes: {},
  }));
}

describe('compareRank orders as the SQL rank_key', () => {
  it('compareText is DuckDB VARCHAR order (code points, a prefix first)', async () => {
    const random = rng(11);
    const strings = Array.from({ length: 2000 }, () => text(random, 4));
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    const sorted = (
      await conn.runAndReadAll(`SELECT s FROM (SELECT unnest($l) AS s) ORDER BY create_sort_key(s, 'ASC NULLS FIRST'), s`, { l: listValue(strings) }, { l: LIST(VARCHAR) })
    ).getRows().map((r) => r[0] as string);
    conn.closeSync();
    instance.closeSync();
    expect(sorted).toEqual([...strings].sort(compareText));
  });

  it.each([MILESTONES, CONSULTATIONS])('$table', async (spec) => {
    const rows = events(spec === MILESTONES ? 5 : 6, 1500);
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    const column = (f: (e: CaseEvent) => string | null) => listValue(rows.map(f));
    await conn.run(
      `CREATE TABLE t AS SELECT * FROM (SELECT unnest(range(${rows.length})) AS i, unnest($event_time) AS event_time, unnest($event_id) AS event_id,
         unnest($channel) AS channel, unnest($delivery_method) AS delivery_method, unnest($department_code) AS department_code,
         unnest($department_name) AS department_name, unnest($item_code) AS item_code, unnest($source_system) AS source_system,
         unnest($source_record_id) AS source_record_id)`,
      {
        event_time: listValue(rows.map((e) => BigInt(e.eventTime))),
        event_id: column((e) => e.eventId),
        channel: column((e) => e.channel),
        delivery_method: column((e) => e.deliveryMethod),
        department_code: column((e) => e.departmentCode),
        department_name: column((e) => e.departmentName),
        item_code: column((e) => e.itemCode),
        source_system: column((e) => e.sourceSystem),
        source_record_id: column((e) => e.sourceRecordId),
      },
      {
        event_time: LIST(BIGINT),
        event_id: LIST(VARCHAR),
        channel: LIST(VARCHAR),
        delivery_method: LIST(VARCHAR),
        department_code: LIST(VARCHAR),
        department_name: LIST(VARCHAR),
        item_code: LIST(VARCHAR),
        source_system: LIST(VARCHAR),
        source_record_id: LIST(VARCHAR),
      },
    );
    // Rank keys in SQL order; equal keys (a full tie) compare equal in JavaScript too.
    const keys = (
      await conn.runAndReadAll(`SELECT i, coalesce(k = lag(k) OVER (ORDER BY k, i), false) AS same FROM (SELECT i, ${rankKeyOf(spec)} AS k FROM t) ORDER BY k, i`)
    ).getRows();
    conn.closeSync();
    instance.closeSync();
    const order = keys.map((r) => Number(r[0]));
    for (let j = 1; j < order.length; j++) {
      const a = rows[order[j - 1]];
      const b = rows[order[j]];
      if (keys[j][1] === true) expect(spec.compareRank(a, b)).toBe(0);
      else expect(spec.compareRank(a, b)).toBeLessThan(0);
    }
  });
});
