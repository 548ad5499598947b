import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { CaseEvent } from '../contract/case-event.js';
import { isCasepipeError } from '../platform/errors.js';
import type { PartitionBatch, PreparedPartitionBatch } from './batch.js';
import { prepareBatch } from './batch-staging.js';
import { LiveStore } from './live-store.js';
import { decodedRows, PARTITIONED_TABLES } from './store-schema.js';
import { referenceFigures } from '../demo/reference-count.js';
import { referenceDedupe } from './testing/reference-dedupe.js';
import { shuffled, syntheticRecords, toBatches, type SyntheticRecord } from './testing/synthetic-events.js';

const dirs: string[] = [];
const stores: LiveStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function openStore(dir?: string, recentRows?: number): Promise<{ store: LiveStore; dir: string }> {
  const d = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-store-'));
  if (!dir) dirs.push(d);
  const store = await LiveStore.open({ path: path.join(d, 'live.duckdb'), memoryLimit: '256MB', threads: 1, recentRows });
  stores.push(store);
  return { store, dir: d };
}

let seq = 0;
function event(over: Partial<CaseEvent>): CaseEvent {
  return {
    eventId: `E${String(seq++).padStart(6, '0')}`,
    kind: 'RECEIVED',
    caseId: 'CASE-1',
    departmentCode: 'JTYST',
    departmentName: '交通运输厅',
    itemCode: null,
    channel: 'FULL_ONLINE',
    deliveryMethod: null,
    eventTime: Date.parse('2025-08-10T02:00:00Z'),
    sourceSystem: 'jtyst-approval',
    sourceRecordId: 'R1',
    attributes: {},
    ...over,
  };
}

function batch(partition: number, firstOffset: number, events: CaseEvent[], timestampMs?: number): PartitionBatch {
  return {
    topic: 'case-events',
    partition,
    nextOffset: String(firstOffset + events.length),
    events: events.map((e, i) => ({ event: e, offset: String(firstOffset + i), timestampMs: timestampMs ?? e.eventTime + 60_000 })),
    deadLetters: [],
  };
}

/** The batch as the stream worker queues it: its events prepared for staging. */
function prepared(b: PartitionBatch): PreparedPartitionBatch {
  return { topic: b.topic, partition: b.partition, nextOffset: b.nextOffset, prepared: prepareBatch(b.events, b.deadLetters, `${b.topic}[${b.partition}]`), deadLetters: b.deadLetters };
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

async function rows(store: LiveStore, sql: string): Promise<unknown[][]> {
  return (await store.connection.runAndReadAll(sql)).getRows();
}

const MILESTONE_STATE = `SELECT partition, case_id, kind, month, event_time, event_id, channel, delivery_method,
  department_code, department_name, item_code, source_system, source_record_id, copies FROM milestones ORDER BY case_id, kind`;
const CONSULTATION_STATE = `SELECT partition, department_code, record_id, month, event_time, event_id, channel,
  department_name, source_system, source_record_id, copies FROM consultations ORDER BY department_code, record_id`;
const QUALITY_STATE = `SELECT partition, month, department_code, metric, reason, n FROM quality_counts ORDER BY ALL`;

describe('LiveStore dedupe', () => {
  it('ends in the same state whatever the arrival order and batch split', async () => {
    const records: SyntheticRecord[] = [...syntheticRecords({ seed: 11, count: 3000, duplicateRate: 0.35 })];
    const reference = referenceDedupe(records.map((r) => r.event));
    const states: unknown[] = [];
    for (const [i, [minBatch, maxBatch]] of [[5, 25], [50, 400], [3000, 3000]].entries()) {
      const { store } = await openStore();
      const order = i === 0 ? records : shuffled(records, 100 + i);
      for (const b of toBatches(order, { topic: 'case-events', partitions: 3, minBatch, maxBatch, seed: i })) {
        await store.applyBatch(b);
      }
      const milestones = await rows(store, MILESTONE_STATE);
      const consultations = await rows(store, CONSULTATION_STATE);
      // Restatement log and offsets legitimately depend on the order; counts and winners do not.
      const quality = await rows(store, QUALITY_STATE);
      const figures = [await store.figures('2025-06'), await store.figures('2025-07'), await store.figures('2025-08')];
      states.push({ milestones, consultations, quality, figures });
      expect(milestones.length + consultations.length).toBe(reference.size);
      // The figures are those of the reference counter (OTHER channels and methods count in none).
      expect(figures).toEqual(['2025-06', '2025-07', '2025-08'].map((m) => referenceFigures(records.map((r) => r.event), m)));
    }
    expect(states[1]).toEqual(states[0]);
    expect(states[2]).toEqual(states[0]);
    // And the winners are the reference's.
    const { milestones } = states[0] as { milestones: unknown[][] };
    for (const r of milestones) {
      const ref = reference.get(`${r[2]}|${r[1]}`);
      expect([r[3], r[5], r[13]]).toEqual([ref?.month, ref?.eventId, ref?.copies]);
    }
  });

  it('ends in the same state when the batches come prepared, as the stream worker queues them', async () => {
    const records: SyntheticRecord[] = [...syntheticRecords({ seed: 12, count: 3000, duplicateRate: 0.35 })];
    // Some records of each batch dead-lettered instead (their offsets between the events').
    const batches = toBatches(shuffled(records, 7), { topic: 'case-events', partitions: 3, minBatch: 20, maxBatch: 300, seed: 3 }).map((b) => ({
      ...b,
      events: b.events.filter((_, i) => i % 37 !== 5),
      deadLetters: b.events.filter((_, i) => i % 37 === 5).map((e) => ({ offset: e.offset, departmentCode: e.event.departmentCode, reason: 'INVALID_FIELD', timestampMs: e.timestampMs })),
    }));
    const states: unknown[] = [];
    for (const prepare of [false, true]) {
      const { store } = await openStore();
      for (const b of batches) {
        const result = await store.applyBatch(prepare ? prepared(b) : b);
        expect(result).toMatchObject({ skipped: false, events: b.events.length, deadLetters: b.deadLetters.length });
      }
      const figures = [await store.figures('2025-07'), await store.figures('2025-08')];
      states.push({ milestones: await rows(store, MILESTONE_STATE), consultations: await rows(store, CONSULTATION_STATE), quality: await rows(store, QUALITY_STATE), figures });
    }
    expect(states[1]).toEqual(states[0]);
    expect((states[0] as { quality: unknown[][] }).quality.some((r) => r[3] === 'dead_letter')).toBe(true);
  });

  it('moves a milestone to an earlier month when a late, earlier copy arrives, and logs the move', async () => {
    const { store } = await openStore();
    const september = event({ caseId: 'C-9', eventTime: Date.parse('2025-09-02T01:00:00Z'), eventId: 'E-B' });
    const august = event({ caseId: 'C-9', eventTime: Date.parse('2025-08-30T01:00:00Z'), eventId: 'E-Z', departmentCode: 'ZJT', departmentName: '住房城乡建设厅', sourceSystem: 'comprehensive-window' });
    await store.applyBatch(batch(0, 0, [september]));
    expect((await store.figures('2025-09')).total.fullOnlineReceived).toBe(1);

    // Ingested in October: late for August.
    const r = await store.applyBatch(batch(0, 1, [august], Date.parse('2025-10-03T00:00:00Z')));
    expect(r).toMatchObject({ inserted: 0, replaced: 1, moved: 1, duplicates: 1, late: 1 });
    expect((await store.figures('2025-09')).total.fullOnlineReceived).toBe(0);
    const aug = await store.figures('2025-08');
    expect(aug.total.fullOnlineReceived).toBe(1);
    expect(aug.departments.map((d) => d.departmentCode)).toEqual(['ZJT']);
    expect(await rows(store, `SELECT partition, kind, case_id, old_month, new_month, old_department_code, new_department_code, new_event_id FROM milestone_moves`))
      .toEqual([[0, 'RECEIVED', 'C-9', '2025-09', '2025-08', 'JTYST', 'ZJT', 'E-Z']]);
    expect(await rows(store, `SELECT copies, event_id, source_system FROM milestones`)).toEqual([[2, 'E-Z', 'comprehensive-window']]);
    // The dropped copy is the September one (the old winner), counted where it was.
    expect(await rows(store, `SELECT month, department_code, n FROM quality_counts WHERE metric = 'duplicates_dropped'`))
      .toEqual([['2025-09', 'JTYST', 1n]]);
    expect(await rows(store, `SELECT month, n FROM quality_counts WHERE metric = 'late_events'`)).toEqual([['2025-08', 1n]]);

    // A later copy changes nothing but the copy count.
    const later = event({ caseId: 'C-9', eventTime: Date.parse('2025-09-20T01:00:00Z') });
    expect(await store.applyBatch(batch(0, 2, [later]))).toMatchObject({ inserted: 0, replaced: 0, duplicates: 1 });
    expect(await rows(store, `SELECT copies, event_id, month FROM milestones`)).toEqual([[3, 'E-Z', '2025-08']]);
  });

  it('breaks equal event times by the smallest event id, in either order', async () => {
    for (const order of [0, 1]) {
      const { store } = await openStore();
      const t = Date.parse('2025-08-05T00:00:00Z');
      const copies = [event({ caseId: 'C-T', eventTime: t, eventId: 'E-2', channel: 'COMPREHENSIVE_WINDOW' }), event({ caseId: 'C-T', eventTime: t, eventId: 'E-1' })];
      const [first, second] = order === 0 ? copies : [...copies].reverse();
      await store.applyBatch(batch(0, 0, [first]));
      await store.applyBatch(batch(0, 1, [second]));
      expect(await rows(store, `SELECT event_id, channel, copies FROM milestones`)).toEqual([['E-1', 'FULL_ONLINE', 2]]);
    }
  });

  it('counts the instant before CST midnight of 1 September in August and midnight in September', async () => {
    const { store } = await openStore();
    await store.applyBatch(batch(0, 0, [
      event({ caseId: 'C-A', eventTime: Date.parse('2025-08-31T15:59:59.999Z') }),
      event({ caseId: 'C-B', eventTime: Date.parse('2025-08-31T16:00:00.000Z') }),
    ]));
    expect(await rows(store, `SELECT case_id, month FROM milestones ORDER BY case_id`)).toEqual([['C-A', '2025-08'], ['C-B', '2025-09']]);
    expect((await store.figures('2025-08')).total.fullOnlineReceived).toBe(1);
    expect((await store.figures('2025-09')).total.fullOnlineReceived).toBe(1);
  });

  it('deduplicates consultations by (department, record id)', async () => {
    const { store } = await openStore();
    const consult = (dept: string, channel: 'PHONE' | 'ONSITE', minutes: number) =>
      event({ kind: 'CONSULTED', caseId: 'Q-1', departmentCode: dept, departmentName: dept, channel, eventTime: Date.parse('2025-08-12T00:00:00Z') + minutes * 60_000 });
    const r = await store.applyBatch(batch(0, 0, [consult('JTYST', 'PHONE', 5), consult('GAT', 'ONSITE', 0), consult('JTYST', 'ONSITE', 1)]));
    expect(r).toMatchObject({ inserted: 2, duplicates: 1 });
    expect(await rows(store, `SELECT department_code, record_id, channel, copies FROM consultations ORDER BY 1`))
      .toEqual([['GAT', 'Q-1', 'ONSITE', 1], ['JTYST', 'Q-1', 'ONSITE', 2]]);
    const figures = await store.figures('2025-08');
    expect(figures.total).toMatchObject({ phoneConsultations: 0, onsiteConsultations: 2, totalHandled: 0 });
  });

  it('computes the eight figures per department', async () => {
    const { store } = await openStore();
    await store.applyBatch(batch(0, 0, [
      event({ caseId: 'C1', kind: 'RECEIVED', channel: 'FULL_ONLINE' }),
      event({ caseId: 'C1', kind: 'COMPLETED', channel: 'FULL_ONLINE' }),
      event({ caseId: 'C2', kind: 'RECEIVED', channel: 'COMPREHENSIVE_WINDOW', departmentCode: 'GAT', departmentName: '公安厅' }),
      event({ caseId: 'C2', kind: 'DELIVERED', channel: 'COMPREHENSIVE_WINDOW', deliveryMethod: 'WINDOW_PICKUP', departmentCode: 'GAT', departmentName: '公安厅' }),
      event({ caseId: 'C3', kind: 'DELIVERED', channel: 'DEPARTMENT_WINDOW', deliveryMethod: 'MAIL' }),
      event({ caseId: 'C4', kind: 'RECEIVED', channel: 'DEPARTMENT_WINDOW' }),
      event({ caseId: 'Q1', kind: 'CONSULTED', channel: 'PHONE' }),
      // Valid, and counted in no figure: OTHER channels and delivery methods.
      event({ caseId: 'Q2', kind: 'CONSULTED', channel: 'OTHER' }),
      event({ caseId: 'C5', kind: 'RECEIVED', channel: 'OTHER' }),
      event({ caseId: 'C5', kind: 'COMPLETED', channel: 'OTHER' }),
      event({ caseId: 'C6', kind: 'DELIVERED', channel: 'COMPREHENSIVE_WINDOW', deliveryMethod: 'OTHER' }),
      event({ caseId: 'C7', kind: 'DELIVERED', channel: 'FULL_ONLINE', deliveryMethod: 'ELECTRONIC' }),
    ]));
    const f = await store.figures('2025-08');
    expect(f.total).toEqual({
      totalHandled: 2, fullOnlineReceived: 1, fullOnlineCompleted: 1, windowReceived: 1,
      windowDelivered: 1, mailed: 1, phoneConsultations: 1, onsiteConsultations: 0,
    });
    expect(f.departments.map((d) => [d.departmentCode, d.departmentName, d.figures.totalHandled])).toEqual([
      ['GAT', '公安厅', 1],
      ['JTYST', '交通运输厅', 1],
    ]);
  });
});

describe('LiveStore recent and old rows', () => {
  const oldRows = async (store: LiveStore) =>
    Number((await rows(store, `SELECT (SELECT count(*) FROM milestones_p0) + (SELECT count(*) FROM consultations_p0)`))[0][0]);

  it('still deduplicates keys that moved to the old table, in every order and batch split', async () => {
    const records: SyntheticRecord[] = [...syntheticRecords({ seed: 23, count: 1200, duplicateRate: 0.35 })];
    const reference = referenceDedupe(records.map((r) => r.event));
    const states: unknown[] = [];
    // recentRows 7: nearly every batch moves its partition's recent rows to old, so most
    // duplicates meet their key in old (found through the filter), including across moves; 0 (the
    // default): append mode, new keys go straight to old.
    for (const [i, [minBatch, maxBatch, recentRows]] of [[5, 25, 7], [50, 400, 7], [4, 12, 1], [1200, 1200, 50], [20, 60, 0]].entries()) {
      const { store } = await openStore(undefined, recentRows);
      const order = i === 0 ? records : shuffled(records, 200 + i);
      let existing = 0;
      for (const b of toBatches(order, { topic: 'case-events', partitions: 3, minBatch, maxBatch, seed: i })) {
        const r = await store.applyBatch(b);
        existing += r.events - r.inserted;
      }
      expect(existing).toBeGreaterThan(0);
      expect(await oldRows(store)).toBeGreaterThan(0);
      const milestones = await rows(store, MILESTONE_STATE);
      const consultations = await rows(store, CONSULTATION_STATE);
      const quality = await rows(store, QUALITY_STATE);
      states.push({ milestones, consultations, quality });
      expect(milestones.length + consultations.length).toBe(reference.size);
      // No key is stored twice (once in recent, once in old).
      expect(await rows(store, `SELECT count(*)::INTEGER FROM (SELECT case_id, kind FROM milestones GROUP BY ALL HAVING count(*) > 1)`)).toEqual([[0]]);
    }
    for (const state of states.slice(1)) expect(state).toEqual(states[0]);
    const { milestones } = states[0] as { milestones: unknown[][] };
    for (const r of milestones) {
      const ref = reference.get(`${r[2]}|${r[1]}`);
      expect([r[3], r[5], r[13]]).toEqual([ref?.month, ref?.eventId, ref?.copies]);
    }
    // And they equal a store whose threshold is never reached (nothing ever moves to old).
    const { store } = await openStore(undefined, 1_000_000);
    for (const b of toBatches(records, { topic: 'case-events', partitions: 3, minBatch: 5, maxBatch: 25, seed: 0 })) await store.applyBatch(b);
    expect(await oldRows(store)).toBe(0);
    expect({ milestones: await rows(store, MILESTONE_STATE), consultations: await rows(store, CONSULTATION_STATE), quality: await rows(store, QUALITY_STATE) })
      .toEqual(states[0]);
  }, 300_000);

  it('applies batches of different partitions at once on several writers, with the same result as one by one', async () => {
    const records: SyntheticRecord[] = [...syntheticRecords({ seed: 31, count: 2400, duplicateRate: 0.35 })];
    const reference = referenceDedupe(records.map((r) => r.event));
    const batches = toBatches(shuffled(records, 5), { topic: 'case-events', partitions: 6, minBatch: 20, maxBatch: 120, seed: 3 });
    const state = async (store: LiveStore) => ({
      milestones: await rows(store, MILESTONE_STATE),
      consultations: await rows(store, CONSULTATION_STATE),
      quality: await rows(store, QUALITY_STATE),
      offsets: await rows(store, `SELECT partition, next_offset FROM partition_offsets ORDER BY partition`),
    });
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-store-'));
    dirs.push(d);
    // recentRows 9: partitions move rows to old while other partitions' batches are in flight.
    const concurrent = await LiveStore.open({ path: path.join(d, 'live.duckdb'), memoryLimit: '256MB', threads: 1, recentRows: 9, writers: 3 });
    stores.push(concurrent);
    expect(concurrent.writerCount).toBe(3);
    // Every partition's batches in order, the partitions interleaved freely (as the worker does).
    const queues = new Map<number, PartitionBatch[]>();
    for (const b of batches) queues.set(b.partition, [...(queues.get(b.partition) ?? []), b]);
    await Promise.all([...queues.values()].map(async (queue) => {
      for (const b of queue) await concurrent.applyBatch(b);
    }));
    const { store: sequential } = await openStore(undefined, 9);
    for (const b of batches) await sequential.applyBatch(b);
    const got = await state(concurrent);
    expect(got.milestones.length + got.consultations.length).toBe(reference.size);
    expect(got).toEqual(await state(sequential));
  }, 120_000);

  it('rebuilds the old-key filter at reopen: a copy of an old key is still a duplicate', async () => {
    const { store, dir } = await openStore(undefined, 2);
    const september = event({ caseId: 'OLD-1', eventTime: Date.parse('2025-09-02T01:00:00Z'), eventId: 'E-B' });
    await store.applyBatch(batch(0, 0, [september, event({ caseId: 'OLD-2' }), event({ caseId: 'OLD-3' })]));
    // Three rows passed recentRows 2: they moved to old in that batch.
    expect(await rows(store, `SELECT count(*)::INTEGER FROM milestones_p0`)).toEqual([[3]]);
    expect(await rows(store, `SELECT count(*)::INTEGER FROM milestones_recent_p0`)).toEqual([[0]]);
    store.close();
    stores.splice(stores.indexOf(store), 1);

    const { store: again } = await openStore(dir, 2);
    const august = event({ caseId: 'OLD-1', eventTime: Date.parse('2025-08-30T01:00:00Z'), eventId: 'E-Z', departmentCode: 'ZJT', departmentName: '住房城乡建设厅' });
    const r = await again.applyBatch(batch(0, 3, [august, event({ caseId: 'OLD-2', eventTime: Date.parse('2025-08-20T00:00:00Z') }), event({ caseId: 'NEW-1' })], Date.parse('2025-10-03T00:00:00Z')));
    expect(r).toMatchObject({ inserted: 1, replaced: 1, moved: 1, duplicates: 2 });
    expect(await rows(again, `SELECT case_id, month, event_id, department_code, copies FROM milestones ORDER BY case_id`)).toEqual([
      ['NEW-1', '2025-08', expect.any(String), 'JTYST', 1],
      ['OLD-1', '2025-08', 'E-Z', 'ZJT', 2],
      ['OLD-2', '2025-08', expect.any(String), 'JTYST', 2],
      ['OLD-3', '2025-08', expect.any(String), 'JTYST', 1],
    ]);
    // Updated in place in old; only the new key went to recent.
    expect(await rows(again, `SELECT case_id FROM milestones_recent_p0`)).toEqual([['NEW-1']]);
    expect(await rows(again, `SELECT old_month, new_month, old_department_code, new_department_code FROM milestone_moves`)).toEqual([['2025-09', '2025-08', 'JTYST', 'ZJT']]);
    expect(await rows(again, `SELECT month, department_code, n FROM quality_counts WHERE metric = 'duplicates_dropped' ORDER BY ALL`))
      .toEqual([['2025-08', 'JTYST', 1n], ['2025-09', 'JTYST', 1n]]);
  });
});

describe('LiveStore schema upgrade', () => {
  // Versions 2 and 3 stored DuckDB's hash() as key_hash; version 4 computes it in JavaScript.
  const asDuckDbHashes = `UPDATE milestones_p0 SET key_hash = hash(case_id, kind); UPDATE consultations_p0 SET key_hash = hash(department_code, record_id)`;
  /** Versions 2 to 4 stored texts where version 5 stores store_dictionary codes, and had no dictionary. */
  async function asTextLayout(store: LiveStore): Promise<void> {
    const conn = store.connection;
    await conn.run('DROP VIEW milestones; DROP VIEW consultations');
    for (const sfx of ['_template', '_p0', '_recent_p0']) {
      for (const t of PARTITIONED_TABLES) {
        await conn.run(`CREATE TABLE ${t}_text AS SELECT * FROM ${decodedRows(t, `${t}${sfx}`)};
          DROP TABLE ${t}${sfx}; ALTER TABLE ${t}_text RENAME TO ${t}${sfx}`);
      }
    }
    await conn.run('DROP VIEW store_decoder; DROP TABLE store_dictionary');
  }

  it('upgrades a version 4 file: its texts become codes, its rows read and deduplicate as before', async () => {
    const { store, dir } = await openStore();
    const late = Date.parse('2025-08-10T01:00:00Z');
    await store.applyBatch(batch(0, 0, [
      event({ caseId: 'V4-1', itemCode: '11330000002482028X4330117002000' }),
      event({ caseId: 'V4-1', kind: 'DELIVERED', deliveryMethod: 'MAIL', channel: 'COMPREHENSIVE_WINDOW' }),
      event({ caseId: 'V4-2', departmentCode: 'SFT', departmentName: '司法厅', sourceSystem: 'sft-approval' }),
      event({ caseId: 'Q-1', kind: 'CONSULTED', channel: 'PHONE' }),
    ]));
    const before = {
      milestones: await rows(store, `SELECT * FROM milestones ORDER BY case_id, kind`),
      consultations: await rows(store, `SELECT * FROM consultations ORDER BY record_id`),
    };
    await asTextLayout(store);
    await store.connection.run(`UPDATE store_meta SET value = '4' WHERE key = 'schema_version'`);
    store.close();
    stores.splice(stores.indexOf(store), 1);
    const { store: again } = await openStore(dir);
    expect(await rows(again, `SELECT value FROM store_meta WHERE key = 'schema_version'`)).toEqual([['5']]);
    expect(await rows(again, `SELECT DISTINCT data_type FROM duckdb_columns() WHERE table_name IN ('milestones_p0', 'milestones_recent_p0', 'milestones_template', 'consultations_p0') AND column_name IN ('kind', 'department_code')`))
      .toEqual([['INTEGER']]);
    expect(await rows(again, `SELECT * FROM milestones ORDER BY case_id, kind`)).toEqual(before.milestones);
    expect(await rows(again, `SELECT * FROM consultations ORDER BY record_id`)).toEqual(before.consultations);
    // A copy of a stored key is counted; an earlier copy of another replaces it, moving it to its own department.
    expect(await again.applyBatch(batch(0, 4, [
      event({ caseId: 'V4-1', itemCode: '11330000002482028X4330117002000' }),
      event({ caseId: 'V4-2', eventTime: late, departmentCode: 'JTYST', departmentName: '交通运输厅', sourceSystem: 'new-system' }),
      event({ caseId: 'V4-3', itemCode: '11330000002482028X4330117002000' }),
    ]))).toMatchObject({ inserted: 1, duplicates: 2, replaced: 1, moved: 1 });
    expect(await rows(again, `SELECT case_id, kind, department_code, department_name, item_code, source_system, copies FROM milestones ORDER BY case_id, kind`)).toEqual([
      ['V4-1', 'DELIVERED', 'JTYST', '交通运输厅', null, 'jtyst-approval', 1],
      ['V4-1', 'RECEIVED', 'JTYST', '交通运输厅', '11330000002482028X4330117002000', 'jtyst-approval', 2],
      ['V4-2', 'RECEIVED', 'JTYST', '交通运输厅', null, 'new-system', 2],
      ['V4-3', 'RECEIVED', 'JTYST', '交通运输厅', '11330000002482028X4330117002000', 'jtyst-approval', 1],
    ]);
    expect(await rows(again, `SELECT old_department_code, new_department_code FROM milestone_moves`)).toEqual([['SFT', 'JTYST']]);
  });

  it('upgrades a version 2 file (no recent tables): its rows count as old and still deduplicate', async () => {
    const { store, dir } = await openStore();
    await store.applyBatch(batch(0, 0, [event({ caseId: 'V2-1' })]));
    await asTextLayout(store);
    // Make it look like version 2: every row in milestones_p0, no recent tables, DuckDB's key hashes.
    await store.connection.run(`INSERT INTO milestones_p0 SELECT * FROM milestones_recent_p0;
      DROP TABLE milestones_recent_p0; DROP TABLE consultations_recent_p0; ${asDuckDbHashes}; UPDATE store_meta SET value = '2' WHERE key = 'schema_version'`);
    store.close();
    stores.splice(stores.indexOf(store), 1);
    const { store: again } = await openStore(dir);
    expect(await rows(again, `SELECT value FROM store_meta WHERE key = 'schema_version'`)).toEqual([['5']]);
    expect(await again.applyBatch(batch(0, 1, [event({ caseId: 'V2-1' }), event({ caseId: 'V2-2' })]))).toMatchObject({ inserted: 1, duplicates: 1 });
    expect(await rows(again, `SELECT case_id, copies FROM milestones ORDER BY case_id`)).toEqual([['V2-1', 2], ['V2-2', 1]]);
  });

  it('upgrades a version 3 file: key hashes are recomputed, so its keys are still found', async () => {
    const { store, dir } = await openStore();
    const consulted = event({ caseId: 'Q-1', kind: 'CONSULTED', channel: 'PHONE' });
    await store.applyBatch(batch(0, 0, [event({ caseId: 'V3-1' }), consulted]));
    await asTextLayout(store);
    await store.connection.run(`${asDuckDbHashes}; UPDATE store_meta SET value = '3' WHERE key = 'schema_version'`);
    store.close();
    stores.splice(stores.indexOf(store), 1);
    const { store: again } = await openStore(dir);
    expect(await rows(again, `SELECT value FROM store_meta WHERE key = 'schema_version'`)).toEqual([['5']]);
    expect(await again.applyBatch(batch(0, 2, [event({ caseId: 'V3-1' }), consulted, event({ caseId: 'V3-2' })])))
      .toMatchObject({ inserted: 1, duplicates: 2 });
    expect(await rows(again, `SELECT case_id, copies FROM milestones ORDER BY case_id`)).toEqual([['V3-1', 2], ['V3-2', 1]]);
    expect(await rows(again, `SELECT record_id, copies FROM consultations`)).toEqual([['Q-1', 2]]);
  });
});

describe('LiveStore offsets (exactly-once effects)', () => {
  it('skips a replayed batch and applies only the unseen tail of an overlapping one', async () => {
    const { store } = await openStore();
    const events = Array.from({ length: 10 }, (_, i) => event({ caseId: `C-${i}` }));
    const first = batch(2, 0, events.slice(0, 6));
    expect(await store.applyBatch(first)).toMatchObject({ skipped: false, inserted: 6 });
    const before = await rows(store, `${MILESTONE_STATE}`);
    const quality = await rows(store, QUALITY_STATE);
    expect(await store.applyBatch(first)).toMatchObject({ skipped: true, inserted: 0 });
    expect(await rows(store, MILESTONE_STATE)).toEqual(before);
    expect(await rows(store, QUALITY_STATE)).toEqual(quality);

    // Offsets 3..9: 3..5 were applied already.
    const overlapping = batch(2, 3, events.slice(3));
    expect(await store.applyBatch(overlapping)).toMatchObject({ alreadyApplied: 3, events: 4, inserted: 4, duplicates: 0 });
    expect(await rows(store, `SELECT sum(copies)::INTEGER FROM milestones`)).toEqual([[10]]);
    expect(await rows(store, `SELECT n FROM quality_counts WHERE metric = 'events_read'`)).toEqual([[10n]]);
    expect(await store.storedOffsets('case-events')).toEqual(new Map([[2, '10']]));
  });

  it('applies a prepared batch from the stored offset, skips one applied already, and refuses one reaching below the stored offset without writing anything', async () => {
    const { store } = await openStore();
    const events = Array.from({ length: 10 }, (_, i) => event({ caseId: `P-${i}` }));
    expect(await store.applyBatch(prepared(batch(4, 0, events.slice(0, 6))))).toMatchObject({ skipped: false, events: 6, inserted: 6 });
    const state = [await rows(store, MILESTONE_STATE), await rows(store, QUALITY_STATE)];
    expect(await store.applyBatch(prepared(batch(4, 0, events.slice(0, 6))))).toMatchObject({ skipped: true, alreadyApplied: 6, inserted: 0 });
    // Offsets 3..9: prepared events cannot be left out one by one.
    const err = await failure(store.applyBatch(prepared(batch(4, 3, events.slice(3)))));
    expect(isCasepipeError(err, 'STORE_FAILED')).toBe(true);
    expect(err.message).toMatch(/prepared batch from offset 3 reaches below the stored next offset 6/);
    expect([await rows(store, MILESTONE_STATE), await rows(store, QUALITY_STATE)]).toEqual(state);
    expect(await store.storedOffsets('case-events')).toEqual(new Map([[4, '6']]));
    expect(await store.applyBatch(prepared(batch(4, 6, events.slice(6))))).toMatchObject({ skipped: false, events: 4, inserted: 4 });
    expect(await store.storedOffsets('case-events')).toEqual(new Map([[4, '10']]));
  });

  it('keeps offsets and rows across close and reopen, per partition', async () => {
    const { store, dir } = await openStore();
    await store.applyBatch(batch(0, 0, [event({ caseId: 'A' })]));
    await store.applyBatch(batch(5, 40, [event({ caseId: 'B' }), event({ caseId: 'C' })]));
    store.close();
    stores.splice(stores.indexOf(store), 1);
    const { store: again } = await openStore(dir);
    expect(await again.storedOffsets('case-events')).toEqual(new Map([[0, '1'], [5, '42']]));
    expect(await again.storedOffsets('other-topic')).toEqual(new Map());
    expect(await rows(again, `SELECT partition, case_id FROM milestones ORDER BY case_id`)).toEqual([[0, 'A'], [5, 'B'], [5, 'C']]);
    expect(await again.applyBatch(batch(5, 40, [event({ caseId: 'B' })]))).toMatchObject({ skipped: true });
  });

  it('stores the offset of a topic whose name needs quoting in SQL, and a 64-bit offset, exactly', async () => {
    const { store, dir } = await openStore();
    const topic = "dept's.case-events"; // Kafka would refuse the quote; the store must not break on it
    await store.applyBatch({ ...batch(3, 0, [event({ caseId: 'Q' })]), topic, nextOffset: '9007199254740993' });
    store.close();
    stores.splice(stores.indexOf(store), 1);
    const { store: again } = await openStore(dir);
    expect(await again.storedOffsets(topic)).toEqual(new Map([[3, '9007199254740993']]));
    expect(await again.storedOffsets('case-events')).toEqual(new Map());
  });

  it('counts dead letters per ingestion month, department and reason, in the same transaction', async () => {
    const { store } = await openStore();
    const ts = Date.parse('2025-08-31T16:30:00Z'); // September in CST
    await store.applyBatch({
      topic: 'case-events', partition: 1, nextOffset: '4', events: [],
      deadLetters: [
        { offset: '0', departmentCode: null, reason: 'NOT_AVRO', timestampMs: ts },
        { offset: '1', departmentCode: 'GAT', reason: 'MISSING_DELIVERY_METHOD', timestampMs: ts },
        { offset: '2', departmentCode: 'GAT', reason: 'MISSING_DELIVERY_METHOD', timestampMs: ts },
        { offset: '3', departmentCode: null, reason: 'NOT_AVRO', timestampMs: Date.parse('2025-08-31T15:00:00Z') },
      ],
    });
    expect(await rows(store, `SELECT month, department_code, reason, n FROM quality_counts WHERE metric = 'dead_letter' ORDER BY ALL`)).toEqual([
      ['2025-08', '', 'NOT_AVRO', 1n],
      ['2025-09', '', 'NOT_AVRO', 1n],
      ['2025-09', 'GAT', 'MISSING_DELIVERY_METHOD', 2n],
    ]);
    expect(await store.storedOffsets('case-events')).toEqual(new Map([[1, '4']]));
  });

  it('refuses an event of unknown kind without writing anything', async () => {
    const { store } = await openStore();
    const bad = batch(0, 0, [event({ caseId: 'OK' }), event({ caseId: 'X', kind: 'UNKNOWN' })]);
    const err = await failure(store.applyBatch(bad));
    expect(isCasepipeError(err, 'UNKNOWN_KIND')).toBe(true);
    expect(err.message).toMatch(/case-events\[0\]@1 .*"UNKNOWN"/);
    expect(await rows(store, `SELECT count(*)::INTEGER FROM milestones`)).toEqual([[0]]);
    expect(await store.storedOffsets('case-events')).toEqual(new Map());
  });

  it('refuses a batch whose text holds the staging separator U+0001 (validation refuses it first) without writing anything', async () => {
    const { store } = await openStore();
    const err = await failure(store.applyBatch(batch(0, 0, [event({ caseId: 'OK' }), event({ caseId: 'A\u0001B' })])));
    expect(isCasepipeError(err, 'STORE_FAILED')).toBe(true);
    expect(err.message).toMatch(/unpacked 3 rows for 2 winners: a staged text holds U\+0001/);
    expect(await rows(store, `SELECT count(*)::INTEGER FROM milestones`)).toEqual([[0]]);
    expect(await store.storedOffsets('case-events')).toEqual(new Map());
  });

  it('raises its memory limit while a month is exported and puts it back after', async () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-store-'));
    dirs.push(d);
    const store = await LiveStore.open({ path: path.join(d, 'live.duckdb'), memoryLimit: '64MB', exportMemoryLimit: '300MB', threads: 1 });
    stores.push(store);
    await store.applyBatch(batch(0, 0, [event({}), event({ caseId: 'CASE-2' })]));
    const limit = async () => String((await store.connection.runAndReadAll(`SELECT current_setting('memory_limit')`)).getRows()[0][0]);
    const streaming = await limit();
    expect(streaming).toMatch(/^6\d(\.\d+)? MiB$/);
    let during: Promise<string> | undefined;
    await store.exportMonth('2025-08', {
      file: (table) => {
        during ??= limit(); // runs while the export holds the raised limit
        return path.join(d, `${table}.parquet`);
      },
      copyOptions: () => 'FORMAT parquet',
      topic: 'case-events',
    });
    expect(await during).toMatch(/^2\d\d(\.\d+)? MiB$/);
    expect(await limit()).toBe(streaming);
    expect(await rows(store, `SELECT count(*)::INTEGER FROM read_parquet('${path.join(d, 'milestones.parquet')}')`)).toEqual([[2]]);
  });

  it('exports the texts, not the stored codes, also from a store without partitions', async () => {
    const { store, dir } = await openStore();
    const exportTo = async (d: string) => {
      fs.mkdirSync(d);
      await store.exportMonth('2025-08', { file: (table) => path.join(d, `${table}.parquet`), copyOptions: () => 'FORMAT parquet', topic: 'case-events' });
      const types = `SELECT name, type FROM parquet_schema('${path.join(d, 'case_durations.parquet')}') WHERE name IN ('department_code', 'channel') ORDER BY name`;
      return rows(store, types);
    };
    expect(await exportTo(path.join(dir, 'empty'))).toEqual([['channel', 'BYTE_ARRAY'], ['department_code', 'BYTE_ARRAY']]);
    await store.applyBatch(batch(0, 0, [event({ caseId: 'D-1' }), event({ caseId: 'D-1', kind: 'COMPLETED', eventTime: Date.parse('2025-08-12T02:00:00Z') })]));
    expect(await exportTo(path.join(dir, 'one'))).toEqual([['channel', 'BYTE_ARRAY'], ['department_code', 'BYTE_ARRAY']]);
    expect(await rows(store, `SELECT case_id, department_code, channel FROM read_parquet('${path.join(dir, 'one', 'case_durations.parquet')}')`))
      .toEqual([['D-1', 'JTYST', 'FULL_ONLINE']]);
  });

  it('creates its file with 64 KiB blocks, and opens a file of 256 KiB blocks as it is', async () => {
    const blockSize = async (store: LiveStore) => (await rows(store, `SELECT block_size::INTEGER FROM pragma_database_size()`))[0][0];
    const { store: fresh } = await openStore();
    expect(await blockSize(fresh)).toBe(65536);
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-store-'));
    dirs.push(d);
    const file = path.join(d, 'live.duckdb');
    const older = await LiveStore.open({ path: file, blockSize: 262144, threads: 1 });
    await older.applyBatch(batch(0, 0, [event({ caseId: 'BIG-1' })]));
    older.close();
    const again = await LiveStore.open({ path: file, threads: 1 });
    stores.push(again);
    expect(await blockSize(again)).toBe(262144);
    expect(await again.applyBatch(batch(0, 1, [event({ caseId: 'BIG-1' }), event({ caseId: 'BIG-2' })]))).toMatchObject({ inserted: 1, duplicates: 1 });
  });

  it("keeps each checkpoint's appended rows as a row group of their own unless asked to vacuum (DuckDB would merge them again at every checkpoint)", async () => {
    const rowGroups = async (vacuum: boolean) => {
      const d = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-store-'));
      dirs.push(d);
      const store = await LiveStore.open({ path: path.join(d, 'live.duckdb'), threads: 1, checkpointThreshold: '1KB', vacuum });
      stores.push(store);
      for (let b = 0; b < 3; b++) {
        const events = Array.from({ length: 40 }, (_, i) => event({ caseId: `RG-${b}-${i}` }));
        await store.applyBatch(batch(0, b * 40, events)); // each followed by a checkpoint (1KB threshold)
      }
      expect(await rows(store, `SELECT count(*)::INTEGER FROM milestones_p0`)).toEqual([[120]]);
      return (await rows(store, `SELECT count(DISTINCT row_group_id)::INTEGER FROM pragma_storage_info('milestones_p0')`))[0][0];
    };
    expect(await rowGroups(false)).toBe(3);
    expect(await rowGroups(true)).toBe(1);
  });

  it('checkpoints once the WAL passes checkpointThreshold, also while batches of other partitions are applied', async () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-store-'));
    dirs.push(d);
    const file = path.join(d, 'live.duckdb');
    const walBytes = () => fs.statSync(`${file}.wal`, { throwIfNoEntry: false })?.size ?? 0;
    const lazy = await LiveStore.open({ path: file, threads: 1, writers: 2 });
    await Promise.all([0, 1].map((p) => lazy.applyBatch(batch(p, 0, [event({ caseId: `L-${p}` })]))));
    expect(walBytes()).toBeGreaterThan(1000); // the default threshold is far away
    lazy.close();
    fs.rmSync(file);
    const store = await LiveStore.open({ path: file, threads: 1, writers: 2, checkpointThreshold: '1KB' });
    stores.push(store);
    const events = (p: number) => Array.from({ length: 50 }, (_, i) => event({ caseId: `C-${p}-${i % 40}` }));
    for (let round = 0; round < 3; round++) {
      await Promise.all([0, 1, 2].map((p) => store.applyBatch(batch(p, round * 50, events(p).slice(0)))));
      expect(walBytes()).toBeLessThan(1000);
    }
    expect(await rows(store, `SELECT count(*)::INTEGER, sum(copies)::INTEGER FROM milestones`)).toEqual([[120, 450]]);
    const stats = store.checkpointStats();
    expect(stats.done).toBeGreaterThanOrEqual(3); // at least one a round
    expect(stats.failed).toBe(0);
    expect(stats.lastSeconds).toBeGreaterThan(0);
  });

  it('wraps a DuckDB failure as STORE_FAILED and leaves the store usable', async () => {
    const { store } = await openStore();
    expect(isCasepipeError(await failure(store.applyBatch({ ...batch(0, 0, [event({})]), nextOffset: 'nope' })))).toBe(true);
    await store.connection.run(`ALTER TABLE partition_offsets RENAME TO po_gone`);
    const err = await failure(store.applyBatch(batch(0, 0, [event({})])));
    expect(isCasepipeError(err, 'STORE_FAILED')).toBe(true);
    await store.connection.run(`ALTER TABLE po_gone RENAME TO partition_offsets`);
    expect(await store.applyBatch(batch(0, 0, [event({})]))).toMatchObject({ inserted: 1 });
    expect(await rows(store, `SELECT count(*)::INTEGER FROM milestones`)).toEqual([[1]]);
  });
});
