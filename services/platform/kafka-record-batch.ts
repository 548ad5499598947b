/**
 * A faster decoder for Kafka record batches, in place of kafkajs' own
 * (kafkajs/src/protocol/recordBatch/v0/decoder.js, MIT): same input, same output, record for record.
 *
 * Why: kafkajs decodes each record through a new Decoder over a Buffer slice of the record, reads
 * the timestamp delta as a BigInt-backed Long built byte by byte, and parses the batch's first
 * offset and timestamp from their strings twice per record (`Long.fromValue(string).add(…)`
 * `.toString()`). On the worker's hot path that was ~14% of the JavaScript thread, and most of its
 * garbage. Here a record is read straight off the batch's buffer with plain numbers; BigInt is
 * used only where a value can exceed 2^53 (then the result is kafkajs' own arithmetic).
 *
 * The records answer kafkajs' record properties ({magicByte, attributes, timestamp, offset, key,
 * value, headers, isControlRecord, batchContext}) with the same values, key, value and header values
 * as Buffer views of the fetch response as before, but as getters that read the buffer when asked
 * (KafkaRecord: one small object per record instead of six). services/platform/kafka-record-batch.test.ts
 * compares both decoders on batches that kafkajs' own encoder wrote (compressed, transactional,
 * control, log-append time, headers, offsets and timestamps beyond 2^53, null keys and values).
 *
 * kafkajs reaches the decoder through `require` in fetch/v4/decodeMessages.js, loaded at the first
 * fetch; `installRecordBatchDecoder` puts this one in Node's module cache under that path first.
 * Under jest (its own module registry) the install has no effect and kafkajs' decoder runs.
 */
import { createRequire, Module } from 'node:module';

const require = createRequire(import.meta.url);

type KafkajsDecoder = {
  buffer: Buffer;
  offset: number;
  readInt8(): number;
  readInt16(): number;
  readInt32(): number;
  readInt64(): { toString(): string };
  readVarLong(): any;
  slice(size: number): KafkajsDecoder;
  forward(size: number): void;
  readAll(): Buffer;
};
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => KafkajsDecoder;
const Long = require('kafkajs/src/utils/long.js') as { fromValue(v: unknown): { add(v: unknown): { toString(): string } } };
const { KafkaJSPartialMessageError } = require('kafkajs/src/errors.js') as { KafkaJSPartialMessageError: new (message: string) => Error };
const { lookupCodecByAttributes } = require('kafkajs/src/protocol/message/compression/index.js') as {
  lookupCodecByAttributes(attributes: number): { decompress(buffer: Buffer): Promise<Buffer> } | undefined;
};
const TimestampTypes = require('kafkajs/src/protocol/timestampTypes.js') as { LOG_APPEND_TIME: number; CREATE_TIME: number };

const KAFKAJS_BATCH_DECODER = 'kafkajs/src/protocol/recordBatch/v0/decoder.js';
/** The one kafkajs module that requires the batch decoder (at its own load, the first fetch). */
const KAFKAJS_BATCH_DECODER_USER = 'kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js';

const TIMESTAMP_TYPE_FLAG_MASK = 0x8;
const TRANSACTIONAL_FLAG_MASK = 0x10;
const CONTROL_FLAG_MASK = 0x20;

/** Batches decoded by this decoder in this process (shows that the install took effect). */
export const recordBatchDecoderStats = { batches: 0 };

interface RecordContext {
  firstOffset: string;
  firstTimestamp: string;
  partitionLeaderEpoch: number;
  inTransaction: boolean;
  isControlBatch: boolean;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  maxTimestamp: string;
  timestampType: number;
}
type BatchContext = RecordContext & { magicByte: number };

/** kafkajs' record, as plain data. */
export interface DecodedRecord {
  magicByte: number;
  attributes: number;
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | null | (Buffer | null)[]>;
  isControlRecord: boolean;
  batchContext: BatchContext;
}

/** The drop-in for kafkajs' record batch decoder: reads one batch off the fetch response's decoder. */
export async function decodeRecordBatch(fetchDecoder: KafkajsDecoder): Promise<RecordContext & { records: KafkaRecord[] }> {
  // The batch header exactly as kafkajs reads it.
  const firstOffset = fetchDecoder.readInt64().toString();
  const length = fetchDecoder.readInt32();
  const decoder = fetchDecoder.slice(length);
  fetchDecoder.forward(length);
  const remainingBytes = Buffer.byteLength(decoder.buffer);
  if (remainingBytes < length) {
    throw new KafkaJSPartialMessageError(`Tried to decode a partial record batch: remainingBytes(${remainingBytes}) < recordBatchLength(${length})`);
  }
  const partitionLeaderEpoch = decoder.readInt32();
  const magicByte = decoder.readInt8();
  decoder.readInt32(); // CRC, not checked (as kafkajs)
  const attributes = decoder.readInt16();
  const lastOffsetDelta = decoder.readInt32();
  const firstTimestamp = decoder.readInt64().toString();
  const maxTimestamp = decoder.readInt64().toString();
  const producerId = decoder.readInt64().toString();
  const producerEpoch = decoder.readInt16();
  const firstSequence = decoder.readInt32();
  const inTransaction = (attributes & TRANSACTIONAL_FLAG_MASK) > 0;
  const isControlBatch = (attributes & CONTROL_FLAG_MASK) > 0;
  const timestampType = (attributes & TIMESTAMP_TYPE_FLAG_MASK) > 0 ? TimestampTypes.LOG_APPEND_TIME : TimestampTypes.CREATE_TIME;
  const codec = lookupCodecByAttributes(attributes);
  const recordContext: RecordContext = {
    firstOffset,
    firstTimestamp,
    partitionLeaderEpoch,
    inTransaction,
    isControlBatch,
    lastOffsetDelta,
    producerId,
    producerEpoch,
    firstSequence,
    maxTimestamp,
    timestampType,
  };
  const batchContext: BatchContext = { ...recordContext, magicByte };
  recordBatchDecoderStats.batches++;

  const count = decoder.readInt32();
  let records: KafkaRecord[];
  if (!codec) {
    records = count <= 0 ? [] : readRecords(decoder.buffer, decoder.offset, count, batchContext);
  } else if (count <= 0) {
    records = [];
  } else {
    const decompressed = await codec.decompress(decoder.readAll());
    records = readRecords(decompressed, 0, count, batchContext);
  }
  return { ...recordContext, records };
}

/**
 * Per batch, what its records share: the buffer they lie in, the batch context, and the first offset
 * and timestamp as numbers when sums with a delta stay exact.
 */
interface RecordBase {
  buf: Buffer;
  ctx: BatchContext;
  firstOffset: number | undefined;
  firstTimestamp: number | undefined;
  /** The batch's max timestamp when the broker stamped the batch (log-append time). */
  logAppendTime: string | undefined;
}

/**
 * A record of a batch, read off the fetch response's buffer when a property is asked for: kafkajs'
 * record properties ({magicByte, attributes, timestamp, offset, key, value, headers, isControlRecord,
 * batchContext}) as getters. Why: a fetch's records live until the batches they came in are stored
 * (seconds, with the apply queue full), so they survive into V8's old space; kafkajs' plain records
 * cost six objects each (the record, Buffer views of key and value, offset and timestamp strings, a
 * headers object), this one one small object. Every read builds the value again (a new Buffer view
 * of key or value, a new string), short-lived garbage; `spans` tells where key and value lie
 * without any view.
 */
export class KafkaRecord {
  constructor(
    private readonly base: RecordBase,
    readonly attributes: number,
    private readonly timestampDelta: number | bigint,
    private readonly offsetDelta: number,
    /** Where the key's length varint starts. */
    private readonly keyAt: number,
  ) {}

  get magicByte(): number {
    return this.base.ctx.magicByte;
  }

  get timestamp(): string {
    const b = this.base;
    return b.logAppendTime ?? addDelta(b.firstTimestamp, b.ctx.firstTimestamp, this.timestampDelta);
  }

  get offset(): string {
    return addDelta(this.base.firstOffset, this.base.ctx.firstOffset, this.offsetDelta);
  }

  get key(): Buffer | null {
    return readBytes(this.base.buf, { pos: this.keyAt });
  }

  get value(): Buffer | null {
    const at = { pos: this.keyAt };
    skipBytes(this.base.buf, at);
    return readBytes(this.base.buf, at);
  }

  get headers(): DecodedRecord['headers'] {
    const buf = this.base.buf;
    const at = { pos: this.keyAt };
    skipBytes(buf, at);
    skipBytes(buf, at);
    const headerCount = readVarInt(buf, at);
    if (headerCount <= 0) return {};
    const pairs = new Array<{ key: string | null; value: Buffer | null }>(headerCount);
    for (let h = 0; h < headerCount; h++) {
      const k = readBytes(buf, at);
      pairs[h] = { key: k === null ? null : k.toString('utf8'), value: readBytes(buf, at) };
    }
    return mergeHeaders(pairs);
  }

  get isControlRecord(): boolean {
    return this.base.ctx.isControlBatch;
  }

  get batchContext(): BatchContext {
    return this.base.ctx;
  }

  /** The offset as a number; undefined from 2^53 on (then read `offset`). */
  get offsetNumber(): number | undefined {
    const n = this.base.firstOffset === undefined ? Number(this.offset) : this.base.firstOffset + this.offsetDelta;
    return n <= Number.MAX_SAFE_INTEGER ? n : undefined;
  }

  /**
   * Where key and value lie in the returned buffer, without views: `layout[slot]` key start,
   * `[slot + 1]` key length (-1: null), `[slot + 2]` value start, `[slot + 3]` value length (-1: null).
   */
  spans(layout: Int32Array, slot: number): Buffer {
    const buf = this.base.buf;
    const at = { pos: this.keyAt };
    layout[slot + 1] = readVarInt(buf, at);
    layout[slot] = at.pos;
    if (layout[slot + 1] > 0) at.pos += layout[slot + 1];
    layout[slot + 3] = readVarInt(buf, at);
    layout[slot + 2] = at.pos;
    return buf;
  }
}

/**
 * Reads `count` records from `buf` at `pos`. Each is `length varint | attributes int8 | timestamp
 * delta varlong | offset delta varint | key | value | headers`, varints zigzag-encoded; key, value and
 * headers are read when asked for (KafkaRecord).
 */
function readRecords(buf: Buffer, pos: number, count: number, ctx: BatchContext): KafkaRecord[] {
  const records = new Array<KafkaRecord>(count);
  const base: RecordBase = {
    buf,
    ctx,
    firstOffset: exactNumber(ctx.firstOffset),
    firstTimestamp: exactNumber(ctx.firstTimestamp),
    logAppendTime: ctx.timestampType === TimestampTypes.LOG_APPEND_TIME && ctx.maxTimestamp ? ctx.maxTimestamp : undefined,
  };
  const at = { pos };
  for (let i = 0; i < count; i++) {
    const length = readVarInt(buf, at);
    const end = at.pos + length;
    if (length < 0 || end > buf.length) throw new Error(`Kafka record ${i} of a batch at offset ${ctx.firstOffset} runs past the batch (${length} bytes)`);
    const attributes = (buf[at.pos++] << 24) >> 24;
    const timestampDelta = readVarLong(buf, at);
    const offsetDelta = readVarInt(buf, at);
    records[i] = new KafkaRecord(base, attributes, timestampDelta, offsetDelta, at.pos);
    at.pos = end; // as kafkajs: whatever a record holds after its headers is skipped
  }
  return records;
}

/** kafkajs' header object: one entry per key, an array where a key repeats (its reduce, as is). */
function mergeHeaders(pairs: { key: string | null; value: Buffer | null }[]): DecodedRecord['headers'] {
  return pairs.reduce(
    (obj: any, { key, value }) => ({
      ...obj,
      [key as string]: obj[key as string] === undefined ? value : Array.isArray(obj[key as string]) ? obj[key as string].concat([value]) : [obj[key as string], value],
    }),
    {},
  );
}

/** The value of a decimal int64 string when every sum with a delta of up to 2^49 stays exact. */
function exactNumber(decimal: string): number | undefined {
  const n = Number(decimal);
  return Math.abs(n) <= 2 ** 52 ? n : undefined;
}

/** `base + delta` as kafkajs writes it (a decimal string); BigInt only when numbers would round. */
function addDelta(base: number | undefined, baseDecimal: string, delta: number | bigint): string {
  if (base !== undefined && typeof delta === 'number') return String(base + delta);
  return Long.fromValue(baseDecimal).add(typeof delta === 'number' ? delta : Long.fromValue(delta)).toString();
}

/** kafkajs' readVarInt, bit for bit (a zigzag varint of up to 5 bytes, 32-bit arithmetic). */
function readVarInt(buf: Buffer, at: { pos: number }): number {
  let byte: number;
  let result = 0;
  let shift = 0;
  do {
    byte = buf[at.pos++];
    result += (byte & 0x7f) << shift;
    shift += 7;
  } while (byte >= 0x80);
  return (result >>> 1) ^ -(result & 1);
}

/**
 * A zigzag varlong: as a number when it has at most 7 bytes (below 2^49, exact), else as a BigInt
 * read by kafkajs' own Decoder.
 */
function readVarLong(buf: Buffer, at: { pos: number }): number | bigint {
  const start = at.pos;
  let result = 0;
  let scale = 1;
  for (let n = 0; n < 7; n++) {
    const byte = buf[at.pos++];
    result += (byte & 0x7f) * scale;
    if (byte < 0x80) return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
    scale *= 128;
  }
  const decoder = new Decoder(buf);
  decoder.offset = start;
  const long = decoder.readVarLong();
  at.pos = decoder.offset;
  return long.value as bigint;
}

/** kafkajs' readVarIntBytes: a zigzag varint length, -1 for null, then a view of that many bytes. */
function readBytes(buf: Buffer, at: { pos: number }): Buffer | null {
  const length = readVarInt(buf, at);
  if (length === -1) return null;
  const start = at.pos;
  at.pos += length;
  return buf.subarray(start, at.pos);
}

/** Moves past what readBytes would read. */
function skipBytes(buf: Buffer, at: { pos: number }): void {
  const length = readVarInt(buf, at);
  if (length > 0) at.pos += length;
}

/**
 * Puts `decodeRecordBatch` in Node's module cache under kafkajs' decoder path, so that kafkajs'
 * fetch response decoding (loaded at the process' first fetch) uses it. 'too-late' when a fetch
 * already loaded kafkajs' decoder into its response decoding: then kafkajs' own stays in use.
 */
export function installRecordBatchDecoder(): 'installed' | 'already' | 'too-late' {
  const target = require.resolve(KAFKAJS_BATCH_DECODER);
  if (require.cache[target]?.exports === decodeRecordBatch) return 'already';
  if (require.cache[require.resolve(KAFKAJS_BATCH_DECODER_USER)]) return 'too-late';
  const module = new Module(target);
  module.filename = target;
  module.loaded = true;
  module.exports = decodeRecordBatch;
  require.cache[target] = module;
  return 'installed';
}
