import { DuckDBInstance, LIST, listValue, VARCHAR, BIGINT } from '@duckdb/node-api';
import type { CaseEvent } from '../contract/case-event.js';
import { compareText, CONSULTATIONS, MILESTONES, rankLess } from './dedupe-merge.js';
import { rng } from './testing/synthetic-events.js';

// The batch's own winner is picked in JavaScript (compareRank), the winner against the stored row in
// SQL (rankLess): the two must be one order, or the result would depend on how batches are cut.
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

describe('compareRank orders as the SQL rankLess', () => {
  it('compareText is DuckDB VARCHAR order (code points, a prefix first)', async () => {
    const random = rng(11);
    const strings = Array.from({ length: 2000 }, () => text(random, 4));
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    const sorted = (
      await conn.runAndReadAll(`SELECT s FROM (SELECT unnest($l) AS s) ORDER BY s`, { l: listValue(strings) }, { l: LIST(VARCHAR) })
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
    // Every neighbour in compareRank's order and random pairs: rankLess(a, b) must be compareRank(a, b) < 0.
    const random = rng(spec === MILESTONES ? 7 : 8);
    const byRank = rows.map((_, i) => i).sort((a, b) => spec.compareRank(rows[a], rows[b]));
    const pairs: [number, number][] = [];
    for (let j = 1; j < byRank.length; j++) pairs.push([byRank[j - 1], byRank[j]], [byRank[j], byRank[j - 1]]);
    for (let j = 0; j < 3000; j++) pairs.push([Math.floor(random() * rows.length), Math.floor(random() * rows.length)]);
    const less = (
      await conn.runAndReadAll(
        `SELECT p.a, p.b, ${rankLess(spec, 'x', 'y')} FROM (SELECT unnest($a) AS a, unnest($b) AS b) p
         JOIN t x ON x.i = p.a JOIN t y ON y.i = p.b`,
        { a: listValue(pairs.map((q) => q[0])), b: listValue(pairs.map((q) => q[1])) },
        { a: LIST(BIGINT), b: LIST(BIGINT) },
      )
    ).getRows();
    conn.closeSync();
    instance.closeSync();
    expect(less).toHaveLength(pairs.length);
    let ties = 0;
    for (const [a, b, sqlLess] of less) {
      const js = spec.compareRank(rows[Number(a)], rows[Number(b)]);
      if (js === 0 && a !== b) ties++;
      expect([Number(a), Number(b), sqlLess]).toEqual([Number(a), Number(b), js < 0]);
    }
    expect(ties).toBeGreaterThan(0); // full ties (same time and id and attributes) are exercised too
  });
});
