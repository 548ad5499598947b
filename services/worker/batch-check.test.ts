import { createRequire } from 'node:module';
import v8 from 'node:v8';
import { afterAll, describe, expect, it } from '@jest/globals';
import { checkCaseEventRecord } from '../contract/check-record.js';
import { encodeCaseEvent } from '../contract/codec.js';
import { sampleEvent } from '../contract/test-events.js';
import { prepareBatch } from '../store/batch-staging.js';
import type { BatchDeadLetter, BatchEvent } from '../store/batch.js';
import { syntheticRecords } from '../store/testing/synthetic-events.js';
import { decodeRecordBatch } from '../platform/kafka-record-batch.js';
import { checkBatch, packRecords, type PackedRecords } from './batch-check.js';
import { RecordCheckThread } from './record-check-thread.js';

type Rec = { key: Buffer | null; value: Buffer | null; timestamp: string; offset: string };

/** 400 valid records with copies, and every way a record fails, mixed in. */
function records(): Rec[] {
  const out: Rec[] = [];
  let offset = 1_000;
  for (const r of syntheticRecords({ seed: 5, count: 400, duplicateRate: 0.3 })) {
    out.push({ key: Buffer.from(r.event.caseId), value: encodeCaseEvent(r.event), timestamp: String(r.timestampMs), offset: String(offset++) });
  }
  const at = (i: number, r: Omit<Rec, 'offset'>) => out.splice(i, 0, { ...r, offset: '0' });
  const e = sampleEvent('RECEIVED');
  const ts = String(e.eventTime + 60_000);
  at(3, { key: Buffer.from(e.caseId), value: null, timestamp: ts }); // tombstone
  at(50, { key: null, value: Buffer.from('{"not":"avro"}'), timestamp: ts });
  at(120, { key: Buffer.from('another-case'), value: encodeCaseEvent(e), timestamp: ts }); // key mismatch
  at(200, { key: null, value: encodeCaseEvent(e), timestamp: ts }); // no key
  at(260, { key: Buffer.from(e.caseId), value: encodeCaseEvent({ ...e, sourceRecordId: '13912345678' }), timestamp: ts }); // personal data
  at(300, { key: Buffer.from(e.caseId), value: encodeCaseEvent(e), timestamp: String(e.eventTime - 86_400_000 * 40) }); // before its own time
  out.forEach((r, i) => (r.offset = String(5_000 + i * 2)));
  return out;
}

/** What the worker did on its own thread: checkCaseEventRecord per record, then prepareBatch. */
function inline(source: string, recs: Rec[]) {
  const events: BatchEvent[] = [];
  const deadLetters: BatchDeadLetter[] = [];
  const invalid: { index: number; code: string; departmentCode: string | null }[] = [];
  recs.forEach((r, index) => {
    const timestampMs = Number(r.timestamp);
    const c = checkCaseEventRecord({ key: r.key, value: r.value, timestampMs });
    if (c.ok) events.push({ event: c.event, offset: r.offset, timestampMs });
    else {
      invalid.push({ index, code: c.code, departmentCode: c.departmentCode });
      deadLetters.push({ offset: r.offset, departmentCode: c.departmentCode, reason: c.code, timestampMs });
    }
  });
  return { prepared: prepareBatch(events, deadLetters, source), invalid };
}

const thread = new RecordCheckThread();
afterAll(() => thread.close());

describe('checkBatch', () => {
  it('judges and prepares a packed batch as the worker’s own thread does, record for record', () => {
    const recs = records();
    const checked = checkBatch(packRecords('case-events[3]', recs)!);
    const expected = inline('case-events[3]', recs);
    expect(checked.prepared).toEqual(expected.prepared);
    expect(checked.invalid.map((b) => ({ index: b.index, code: b.code, departmentCode: b.departmentCode }))).toEqual(expected.invalid);
    expect(checked.invalid.map((b) => b.code).sort()).toEqual(['EMPTY_VALUE', 'KEY_MISMATCH', 'KEY_MISMATCH', 'NOT_AVRO', 'PERSONAL_DATA', 'INVALID_EVENT_TIME'].sort());
    expect(checked.byKind.reduce((n, [, k]) => n + k, 0)).toBe(recs.length - checked.invalid.length);
  });

  it('packs the worker decoder’s records (copied off the fetch buffer) as it packs plain ones', async () => {
    // The records as one uncompressed Kafka record batch (kafkajs' own encoder), decoded by the
    // worker's decoder into KafkaRecords; offsets from 5000 in steps of 2, as records() has them.
    const require = createRequire(import.meta.url);
    const Decoder = require('kafkajs/src/protocol/decoder.js');
    const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js');
    const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js');
    const recs = records();
    const first = Number(recs[0].timestamp);
    const decode = async (from: number, to: number) => {
      const encoded = await RecordBatch({
        firstOffset: String(5000 + 2 * from),
        firstTimestamp: String(first),
        maxTimestamp: String(first),
        lastOffsetDelta: 2 * (to - from - 1),
        records: recs.slice(from, to).map((r, i) => Record({ offsetDelta: 2 * i, timestampDelta: Number(r.timestamp) - first, key: r.key, value: r.value, headers: {} })),
      });
      return (await decodeRecordBatch(new Decoder(Buffer.from(encoded.buffer)))).records;
    };
    const decoded = await decode(0, recs.length);
    // Records in two buffers (a fetch's compressed record batches are decompressed one by one).
    const twoBuffers = [...(await decode(0, 150)), ...(await decode(150, recs.length))];
    expect(decoded.map((r) => r.offset)).toEqual(recs.map((r) => r.offset));
    const fromDecoder = packRecords('case-events[3]', decoded)!;
    const fromPlain = packRecords('case-events[3]', recs)!;
    // The same keys and values (the decoder's are one copy of the stretch they lie in: the bytes
    // between them come along, so the layouts differ).
    const unpack = (p: PackedRecords) =>
      Array.from({ length: p.offsets.length }, (_, i) => [4 * i, 4 * i + 2].map((slot) => (p.layout[slot + 1] < 0 ? null : Buffer.from(p.bytes, p.layout[slot], p.layout[slot + 1]))));
    expect(unpack(fromDecoder)).toEqual(recs.map((r) => [r.key, r.value]));
    expect(unpack(fromPlain)).toEqual(recs.map((r) => [r.key, r.value]));
    expect(unpack(packRecords('case-events[3]', twoBuffers)!)).toEqual(recs.map((r) => [r.key, r.value]));
    expect(fromDecoder.bytes.byteLength).toBeLessThan(fromPlain.bytes.byteLength * 1.2);
    expect(fromDecoder.offsets).toEqual(fromPlain.offsets);
    expect(fromDecoder.timestampsMs).toEqual(fromPlain.timestampsMs);
    expect(checkBatch(fromDecoder).prepared).toEqual(inline('case-events[3]', recs).prepared);
  });

  it('leaves a batch with an offset of 2^53 or more to the worker’s own thread', () => {
    expect(packRecords('t[0]', [{ key: null, value: null, timestamp: '0', offset: '9007199254740992' }])).toBeUndefined();
    expect(packRecords('t[0]', [{ key: null, value: null, timestamp: '0', offset: '9007199254740991' }])).toBeDefined();
  });
});

describe('RecordCheckThread', () => {
  it('answers on its thread what checkBatch answers here, several batches in flight', async () => {
    const recs = records();
    const halves = [recs.slice(0, 200), recs.slice(200)];
    const answers = await Promise.all(halves.map((h, i) => thread.check(packRecords(`case-events[${i}]`, h)!)));
    halves.forEach((h, i) => expect(answers[i]).toEqual(checkBatch(packRecords(`case-events[${i}]`, h)!)));
  });

  it('fails the batch it cannot judge, with the thread’s error, and judges the next one', async () => {
    const bad = packRecords('t[0]', [{ key: null, value: Buffer.from('x'), timestamp: '0', offset: '1' }])!;
    bad.layout[2] = 1 << 30; // the value starts far past the buffer
    await expect(thread.check(bad)).rejects.toThrow(/record-check thread: .*(offset|out of range|bounds)/i);
    const recs = records().slice(0, 10);
    await expect(thread.check(packRecords('t[0]', recs)!)).resolves.toEqual(checkBatch(packRecords('t[0]', recs)!));
  });

  it('fails the batches in flight when the thread ends, and starts a new one for the next', async () => {
    const own = new RecordCheckThread();
    const recs = records();
    const inFlight = own.check(packRecords('t[0]', recs)!);
    await own.close();
    await expect(inFlight).rejects.toThrow(/record-check thread exited/);
    await expect(own.check(packRecords('t[0]', recs.slice(0, 5))!)).resolves.toEqual(checkBatch(packRecords('t[0]', recs.slice(0, 5))!));
    await own.close();
  });

  it('gives the thread its own young generation under the worker’s --max-semi-space-size', async () => {
    // The process flag (bin/casepipe.js: 16 MB semi-spaces) would otherwise override the thread's
    // own limit (48 MB young generation: new space 32 MB); set to 32 here (new space 64 MB), it shows
    // which one the thread got.
    v8.setFlagsFromString('--max-semi-space-size=32');
    const own = new RecordCheckThread();
    try {
      expect(await own.heapSpaces()).toBeUndefined(); // no thread is started to answer
      // A new space grows on demand up to its limit: batches of ~60k records make it grow.
      const many = records();
      const big: Rec[] = Array.from({ length: 150 }, () => many).flat().map((r, i) => ({ ...r, offset: String(i) }));
      for (let round = 0; round < 3; round++) await own.check(packRecords('t[0]', big)!);
      const newSpace = (await own.heapSpaces())?.find((s) => s.space === 'new_space')?.bytes;
      expect(newSpace).toBeGreaterThan(0);
      expect(newSpace).toBeLessThanOrEqual(32 * 1024 * 1024);
    } finally {
      await own.close();
    }
    expect(await own.heapSpaces()).toBeUndefined();
  });
});
