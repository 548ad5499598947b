/**
 * A dead-letter record keeps the failed record's key and value bytes exactly as they were and its
 * headers, and adds headers saying where it came from and why it failed, so it can be replayed once
 * fixed (ARCHITECTURE invariant 4). The reason is a stable ErrorCode.
 */
import type { ErrorCode } from '../platform/errors.js';

export const DLQ_HEADERS = {
  sourceTopic: 'casepipe.source.topic',
  sourcePartition: 'casepipe.source.partition',
  sourceOffset: 'casepipe.source.offset',
  stage: 'casepipe.stage',
  reason: 'casepipe.reason',
  message: 'casepipe.message',
  time: 'casepipe.time',
} as const;

/** Every reason the stream worker dead-letters with: stage decode, then stage validate (docs/case-event.md). */
export const DEAD_LETTER_REASONS = [
  'EMPTY_VALUE', 'NOT_AVRO', 'UNKNOWN_SCHEMA', 'DECODE_FAILED',
  'INVALID_EVENT_ID', 'INVALID_CASE_ID', 'UNKNOWN_KIND', 'INVALID_DEPARTMENT', 'INVALID_EVENT_TIME',
  'INVALID_CHANNEL_FOR_KIND', 'MISSING_DELIVERY_METHOD', 'INVALID_FIELD', 'KEY_MISMATCH',
] as const satisfies readonly ErrorCode[];

/** Where a record failed: decoding the bytes, validating the event, or mapping a source row. */
export type DeadLetterStage = 'decode' | 'validate' | 'map' | (string & {});

/** Header values as kafkajs hands them to a consumer. */
export type HeaderValue = Buffer | string | Array<Buffer | string> | undefined;

export interface DeadLetterInput {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, HeaderValue>;
  stage: DeadLetterStage;
  code: string;
  message: string;
  at?: Date;
}

export interface DeadLetterMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Kafka headers are not meant for essays; a reason message is cut here. */
export const MAX_MESSAGE_HEADER = 2000;

export function deadLetterMessage(input: DeadLetterInput): DeadLetterMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    const text = headerText(value);
    if (text !== undefined) headers[name] = text;
  }
  const message = input.message.length > MAX_MESSAGE_HEADER ? `${input.message.slice(0, MAX_MESSAGE_HEADER - 3)}...` : input.message;
  // Ours win over same-named original headers (a replayed dead letter that failed again).
  headers[DLQ_HEADERS.sourceTopic] = input.topic;
  headers[DLQ_HEADERS.sourcePartition] = String(input.partition);
  headers[DLQ_HEADERS.sourceOffset] = input.offset;
  headers[DLQ_HEADERS.stage] = input.stage;
  headers[DLQ_HEADERS.reason] = input.code;
  headers[DLQ_HEADERS.message] = message;
  headers[DLQ_HEADERS.time] = (input.at ?? new Date()).toISOString();
  return { key: input.key, value: input.value, headers };
}

export interface ParsedDeadLetter {
  source: { topic: string; partition: number; offset: string };
  stage: string;
  /** The ErrorCode that sent the record here. */
  reason: string;
  message: string;
  at: Date;
  key: Buffer | null;
  value: Buffer | null;
  /** The failed record's own headers, without ours. */
  originalHeaders: Record<string, string>;
}

/** Read a dead-letter record back (for replay and the data-quality report). Null if it lacks our headers. */
export function parseDeadLetter(record: { key: Buffer | null; value: Buffer | null; headers?: Record<string, HeaderValue> }): ParsedDeadLetter | null {
  const all: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    const text = headerText(value);
    if (text !== undefined) all[name] = text;
  }
  const topic = all[DLQ_HEADERS.sourceTopic];
  const partition = Number(all[DLQ_HEADERS.sourcePartition]);
  const offset = all[DLQ_HEADERS.sourceOffset];
  const reason = all[DLQ_HEADERS.reason];
  if (topic === undefined || !Number.isInteger(partition) || offset === undefined || reason === undefined) return null;
  const ours = new Set<string>(Object.values(DLQ_HEADERS));
  const originalHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(all)) if (!ours.has(name)) originalHeaders[name] = value;
  return {
    source: { topic, partition, offset },
    stage: all[DLQ_HEADERS.stage] ?? '',
    reason,
    message: all[DLQ_HEADERS.message] ?? '',
    at: new Date(all[DLQ_HEADERS.time] ?? NaN),
    key: record.key,
    value: record.value,
    originalHeaders,
  };
}

function headerText(value: HeaderValue): string | undefined {
  if (value === undefined) return undefined;
  // kafkajs gives an array when a header name repeats; the last one is the current value.
  const one = Array.isArray(value) ? value[value.length - 1] : value;
  if (one === undefined) return undefined;
  return typeof one === 'string' ? one : one.toString('utf8');
}
