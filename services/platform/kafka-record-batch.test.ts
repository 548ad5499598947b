import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import { decodeRecordBatch } from './kafka-record-batch.js';

// kafkajs' own encoder writes the batches, and its own decoder is the reference.
const require = createRequire(import.meta.url);
const Decoder = require('kafkajs/src/protocol/decoder.js');
const kafkajsDecode = require('kafkajs/src/protocol/recordBatch/v0/decoder.js');
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js');
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js');
const { Types: Compression } = require('kafkajs/src/protocol/message/compression/index.js');

/** A deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface BatchSpec {
  compression: number;
  firstOffset: string;
  firstTimestamp: string;
  maxTimestamp: string;
  transactional: boolean;
  /** Attribute bits written over the encoded batch: 0x8 log-append time, 0x20 control batch. */
  extraAttributes: number;
  records: { offsetDelta: number; timestampDelta: number | string; key: Buffer | null; value: Buffer | null; headers: Record<string, Buffer | null | (Buffer | null)[]> }[];
}

async function encode(spec: BatchSpec): Promise<Buffer> {
  const encoded = await RecordBatch({
    compression: spec.compression,
    firstOffset: spec.firstOffset,
    firstTimestamp: spec.firstTimestamp,
    maxTimestamp: spec.maxTimestamp,
    transactional: spec.transactional,
    lastOffsetDelta: spec.records.length - 1,
    records: spec.records.map((r) => Record(r)),
  });
  const buf = Buffer.from(encoded.buffer);
  // firstOffset int64 | length int32 | leader epoch int32 | magic int8 | crc int32 | attributes int16
  buf.writeInt16BE(buf.readInt16BE(21) | spec.extraAttributes, 21);
  return buf;
}

function randomBytes(next: () => number, max: number): Buffer {
  return Buffer.from(Array.from({ length: Math.floor(next() * max) }, () => Math.floor(next() * 256)));
}

function randomSpec(next: () => number): BatchSpec {
  const pick = <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)];
  const records: BatchSpec['records'] = [];
  const n = 1 + Math.floor(next() * 40);
  for (let i = 0; i < n; i++) {
    const headers: BatchSpec['records'][number]['headers'] = {};
    for (let h = Math.floor(next() * 4) - 1; h > 0; h--) {
      const name = pick(['event-id', 'source', '来源', 'trace']);
      const value = randomBytes(next, 12); // kafkajs' encoder cannot write a null header value
      headers[name] = next() < 0.3 ? [value, randomBytes(next, 5)] : value;
    }
    records.push({
      offsetDelta: pick([i, i, i * 3, 2 ** 31 - 1 - i]),
      // Small, negative, and beyond 7 varint bytes (the decoder's BigInt path).
      timestampDelta: pick([Math.floor(next() * 5000), -Math.floor(next() * 5000), 2 ** 48 + i, -(2 ** 50) - i, '36028797018963968']),
      key: next() < 0.2 ? null : randomBytes(next, 30),
      value: next() < 0.1 ? null : next() < 0.1 ? Buffer.alloc(0) : randomBytes(next, 300),
      headers,
    });
  }
  return {
    compression: pick([Compression.None, Compression.None, Compression.GZIP]),
    firstOffset: pick(['0', String(Math.floor(next() * 1e9)), '4503599627370495', '9007199254740991', '9223372036854000000']),
    firstTimestamp: pick([String(Date.UTC(2025, 7, 31, 16)), '-1', '4503599627370497', '1152921504606846976']),
    maxTimestamp: pick([String(Date.UTC(2025, 8, 1)), '-1']),
    transactional: next() < 0.2,
    extraAttributes: pick([0, 0, 0, 0x8, 0x20]),
    records,
  };
}

/** kafkajs' record properties, in its order, as plain data (ours are getters, kafkajs' own properties). */
const RECORD_PROPERTIES = ['magicByte', 'attributes', 'timestamp', 'offset', 'key', 'value', 'headers', 'isControlRecord', 'batchContext'] as const;
function plain(batch: { records: object[] }): unknown {
  return { ...batch, records: batch.records.map((r: any) => Object.fromEntries(RECORD_PROPERTIES.map((p) => [p, r[p]]))) };
}

async function both(buf: Buffer) {
  const theirs = new Decoder(buf);
  const ours = new Decoder(buf);
  const expected = await kafkajsDecode(theirs);
  const actual = await decodeRecordBatch(ours);
  return { expected, actual, theirs, ours };
}

describe('decodeRecordBatch', () => {
  it('decodes what kafkajs decodes, record for record, on 400 random batches', async () => {
    const next = random(20250901);
    for (let i = 0; i < 400; i++) {
      const spec = randomSpec(next);
      const { expected, actual, theirs, ours } = await both(await encode(spec));
      expect(plain(actual)).toEqual(plain(expected));
      expect(Object.keys(expected.records[0] ?? {})).toEqual(expected.records.length ? RECORD_PROPERTIES : []);
      // Same values, and the same kinds: strings stay strings, Buffers Buffers.
      expect(actual.records.map((r) => [typeof r.timestamp, typeof r.offset, Buffer.isBuffer(r.value) || r.value === null])).toEqual(
        expected.records.map((r: { timestamp: unknown; offset: unknown; value: unknown }) => [typeof r.timestamp, typeof r.offset, Buffer.isBuffer(r.value) || r.value === null]),
      );
      expect(ours.offset).toBe(theirs.offset);
    }
  });

  it('keeps kafkajs’ shape: property order, one batch context per batch, headers merged by key', async () => {
    const buf = await encode({
      compression: Compression.None,
      firstOffset: '41',
      firstTimestamp: '1756684800000',
      maxTimestamp: '1756684800009',
      transactional: false,
      extraAttributes: 0,
      records: [
        { offsetDelta: 0, timestampDelta: 0, key: Buffer.from('k'), value: Buffer.from('v'), headers: { a: [Buffer.from('1'), Buffer.from('2')], b: Buffer.alloc(0) } },
        { offsetDelta: 1, timestampDelta: -3, key: null, value: null, headers: {} },
      ],
    });
    const { expected, actual } = await both(buf);
    expect(Object.keys(expected.records[0])).toEqual(RECORD_PROPERTIES);
    for (const p of RECORD_PROPERTIES) expect(p in actual.records[0]).toBe(true);
    expect(Object.keys(actual)).toEqual(Object.keys(expected));
    expect(actual.records[0].batchContext).toBe(actual.records[1].batchContext);
    expect(actual.records[0].headers).toEqual({ a: [Buffer.from('1'), Buffer.from('2')], b: Buffer.alloc(0) });
    expect(actual.records.map((r) => [r.offset, r.timestamp])).toEqual([
      ['41', '1756684800000'],
      ['42', '1756684799997'],
    ]);
  });

  it('reads batches one after another off one response, and stops at a partial one as kafkajs does', async () => {
    const next = random(7);
    const batches = await Promise.all([1, 2, 3].map(() => encode({ ...randomSpec(next), compression: Compression.None })));
    const whole = Buffer.concat(batches);
    const response = Buffer.concat([whole, batches[0].subarray(0, batches[0].length - 5)]);
    const theirs = new Decoder(response);
    const ours = new Decoder(response);
    for (let i = 0; i < 3; i++) expect(plain(await decodeRecordBatch(ours))).toEqual(plain(await kafkajsDecode(theirs)));
    await expect(kafkajsDecode(theirs)).rejects.toMatchObject({ name: 'KafkaJSPartialMessageError' });
    await expect(decodeRecordBatch(ours)).rejects.toMatchObject({ name: 'KafkaJSPartialMessageError' });
  });

  it('refuses a record that claims more bytes than its batch holds, naming the batch', async () => {
    const buf = await encode({
      compression: Compression.None,
      firstOffset: '7',
      firstTimestamp: '0',
      maxTimestamp: '0',
      transactional: false,
      extraAttributes: 0,
      records: [{ offsetDelta: 0, timestampDelta: 0, key: null, value: Buffer.from('x'), headers: {} }],
    });
    // The record's length varint sits right after the record count (61 bytes into the batch).
    expect(buf.readInt32BE(57)).toBe(1);
    buf[61] = 0x7e; // zigzag 63 bytes
    await expect(decodeRecordBatch(new Decoder(buf))).rejects.toThrow(/record 0 of a batch at offset 7 runs past the batch \(63 bytes\)/);
  });
});

describe('KafkaRecord', () => {
  it('tells where key and value lie without views, and its offset as a number below 2^53', async () => {
    const next = random(11);
    for (let i = 0; i < 100; i++) {
      const spec = { ...randomSpec(next), compression: pickNone(next) };
      const { actual } = await both(await encode(spec));
      const layout = new Int32Array(4);
      for (const r of actual.records) {
        const buf = r.spans(layout, 0);
        const view = (start: number, length: number) => (length < 0 ? null : buf.subarray(start, start + length));
        expect(view(layout[0], layout[1])).toEqual(r.key);
        expect(view(layout[2], layout[3])).toEqual(r.value);
        const n = Number(r.offset);
        expect(r.offsetNumber).toBe(n <= Number.MAX_SAFE_INTEGER && BigInt(r.offset) === BigInt(n) ? n : undefined);
      }
    }
  });
});

/** Mostly uncompressed (the spans' buffer is then the fetch response), sometimes gzip (a decompressed copy). */
function pickNone(next: () => number): number {
  return next() < 0.8 ? Compression.None : Compression.GZIP;
}
