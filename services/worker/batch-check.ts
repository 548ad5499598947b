/**
 * Judges a partition batch's records and prepares the valid ones for the store: what the stream
 * worker does per batch between kafkajs and the apply queue (`checkRecords`), on kafkajs' messages
 * on the worker's own thread or, packed (`checkBatch`), on the record-check thread
 * (record-check-thread.ts) while the worker's thread fetches and writes. Packed, a batch's records
 * travel as one buffer holding every key and value and typed arrays of where each is, their
 * timestamps and their offsets: transferred to the thread, not copied, and no object per record.
 */
import { checkCaseEventRecord } from '../contract/check-record.js';
import { KafkaRecord } from '../platform/kafka-record-batch.js';
import type { ErrorCode } from '../platform/errors.js';
import { prepareBatch, type PreparedEvents } from '../store/batch-staging.js';
import type { BatchDeadLetter, BatchEvent } from '../store/batch.js';

/** A batch's records, packed (`packRecords`). */
export interface PackedRecords {
  /** `topic[partition]`, for messages. */
  source: string;
  bytes: ArrayBuffer;
  /** Per record: key start, key length (-1: null), value start, value length (-1: null). */
  layout: Int32Array;
  timestampsMs: Float64Array;
  /** Kafka offsets (below 2^53: `packRecords` refuses others). */
  offsets: Float64Array;
}

/** A record that cannot be counted: its index in the batch and why. */
export interface InvalidRecord {
  index: number;
  stage: 'decode' | 'validate';
  code: ErrorCode;
  message: string;
  departmentCode: string | null;
}

export interface CheckedBatch {
  prepared: PreparedEvents;
  invalid: InvalidRecord[];
  /** The invalid records as the store counts them (offset, department, reason, time), in `invalid`'s order. */
  deadLetters: BatchDeadLetter[];
  /** Valid events by kind (the worker's eventsCounted). */
  byKind: [string, number][];
}

/** A record as packRecords reads it: a kafkajs message. */
type PackableRecord = { key: Buffer | null; value: Buffer | null; timestamp: string; offset: string };

/**
 * Packs records (kafkajs messages) for `checkBatch`; undefined when an offset is 2^53 or more. The
 * records of services/platform/kafka-record-batch.ts (the worker's decoder) are copied straight off the
 * fetch response, without a Buffer view per key and value.
 */
export function packRecords(source: string, records: readonly PackableRecord[]): PackedRecords | undefined {
  const n = records.length;
  const layout = new Int32Array(4 * n);
  const timestampsMs = new Float64Array(n);
  const offsets = new Float64Array(n);
  // First where each key and value is and how long (the buffer it is in, for a KafkaRecord), ...
  const from = new Array<Buffer | undefined>(n);
  let size = 0;
  let oneBuffer = n > 0; // every record a KafkaRecord in the same buffer
  for (let i = 0; i < n; i++) {
    const r = records[i];
    let offset: number | undefined;
    if (r instanceof KafkaRecord) {
      from[i] = r.spans(layout, 4 * i);
      oneBuffer &&= from[i] === from[0];
      size += Math.max(layout[4 * i + 1], 0) + Math.max(layout[4 * i + 3], 0);
      offset = r.offsetNumber;
    } else {
      oneBuffer = false;
      size += (r.key?.length ?? 0) + (r.value?.length ?? 0);
      offset = Number(r.offset);
    }
    if (offset === undefined || !(offset <= Number.MAX_SAFE_INTEGER)) return undefined;
    offsets[i] = offset;
    timestampsMs[i] = Number(r.timestamp);
  }
  // ... then, when every record lies in one buffer (an uncompressed fetch response), one copy of the
  // stretch from the first key to the last value (the bytes between, record headers, ~5% more,
  // cost less than a Buffer.copy call per key and value) ...
  if (oneBuffer) return packStretch(source, from[0]!, layout, timestampsMs, offsets);
  // ... else one copy per key and value into the packed bytes, the layout now saying where in them.
  const bytes = new ArrayBuffer(size);
  const into = new Uint8Array(bytes);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const buf = from[i];
    if (buf) {
      at = copySpan(buf, into, at, layout, 4 * i);
      at = copySpan(buf, into, at, layout, 4 * i + 2);
    } else {
      at = put(records[i].key, into, at, layout, 4 * i);
      at = put(records[i].value, into, at, layout, 4 * i + 2);
    }
  }
  return { source, bytes, layout, timestampsMs, offsets };
}

/** Packs records whose spans all lie in `buf`: one copy of the stretch they cover, the layout shifted to it. */
function packStretch(source: string, buf: Buffer, layout: Int32Array, timestampsMs: Float64Array, offsets: Float64Array): PackedRecords {
  let lo = Infinity;
  let hi = 0;
  for (let slot = 0; slot < layout.length; slot += 2) {
    if (layout[slot + 1] < 0) continue;
    lo = Math.min(lo, layout[slot]);
    hi = Math.max(hi, layout[slot] + layout[slot + 1]);
  }
  if (lo > hi) lo = hi; // every key and value null
  const bytes = new ArrayBuffer(hi - lo);
  buf.copy(new Uint8Array(bytes), 0, lo, hi);
  for (let slot = 0; slot < layout.length; slot += 2) layout[slot] = layout[slot + 1] < 0 ? 0 : layout[slot] - lo;
  return { source, bytes, layout, timestampsMs, offsets };
}

/** Copies the span at `layout[slot]` (start, length; -1 null) of `buf` to `into` at `at`, and points the layout there. */
function copySpan(buf: Buffer, into: Uint8Array, at: number, layout: Int32Array, slot: number): number {
  const length = layout[slot + 1];
  if (length < 0) {
    layout[slot] = 0;
    return at;
  }
  buf.copy(into, at, layout[slot], layout[slot] + length);
  layout[slot] = at;
  return at + length;
}

function put(b: Buffer | null, into: Uint8Array, at: number, layout: Int32Array, slot: number): number {
  if (b === null) {
    layout[slot] = 0;
    layout[slot + 1] = -1;
    return at;
  }
  into.set(b, at);
  layout[slot] = at;
  layout[slot + 1] = b.length;
  return at + b.length;
}

/** One record as checkRecords reads it. */
export interface RecordView {
  key: Buffer | null | undefined;
  value: Buffer | null | undefined;
  timestampMs: number;
  offset: string;
}

/** `checkRecords` over packed records (what the record-check thread runs). */
export function checkBatch(packed: PackedRecords): CheckedBatch {
  const { bytes, layout, timestampsMs, offsets } = packed;
  const view = (slot: number) => (layout[slot + 1] < 0 ? null : Buffer.from(bytes, layout[slot], layout[slot + 1]));
  return checkRecords(packed.source, offsets.length, (i) => ({ key: view(4 * i), value: view(4 * i + 2), timestampMs: timestampsMs[i], offset: String(offsets[i]) }));
}

/**
 * checkCaseEventRecord for every record (`recordAt(0 … n-1)`; the record's Kafka timestamp is its
 * ingestion time), then prepareBatch over the valid ones and the dead letters.
 */
export function checkRecords(source: string, n: number, recordAt: (i: number) => RecordView): CheckedBatch {
  const events: BatchEvent[] = [];
  const deadLetters: BatchDeadLetter[] = [];
  const invalid: InvalidRecord[] = [];
  const byKind = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const { key, value, timestampMs, offset } = recordAt(i);
    const check = checkCaseEventRecord({ key, value, timestampMs });
    if (check.ok) {
      events.push({ event: check.event, offset, timestampMs });
      byKind.set(check.event.kind, (byKind.get(check.event.kind) ?? 0) + 1);
    } else {
      invalid.push({ index: i, stage: check.stage, code: check.code, message: check.message, departmentCode: check.departmentCode });
      deadLetters.push({ offset, departmentCode: check.departmentCode, reason: check.code, timestampMs });
    }
  }
  return { prepared: prepareBatch(events, deadLetters, source), invalid, deadLetters, byKind: [...byKind] };
}
