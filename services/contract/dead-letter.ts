/**
 * A dead-letter record keeps the failed record's key and value bytes exactly as they were and its
 * headers, and adds headers saying where it came from and why it failed, so it can be replayed once
 * fixed (ARCHITECTURE invariant 4). The reason is a stable ErrorCode.
 *
 * Except personal data: a refused record must not become the place where a 身份证号 or a mobile
 * number lives for a year. Whatever the reason, a dead letter whose key, value or headers hold personal
 * data (personal-data.ts) keeps it masked, and says so in `casepipe.masked`:
 * - a value that decodes as a case event is kept as the event's JSON (as `events publish` reads it)
 *   with every text field that held personal data replaced by `[personal data removed]`: a record
 *   that can no longer be counted by mistake (replayed onto the case-events topic it is NOT_AVRO);
 * - other bytes (key, undecodable value, header values) keep their bytes with the digits of each
 *   match replaced by `*` (same length).
 * The original is not kept anywhere else by casepipe.
 */
import { decodeCaseEvent } from './codec.js';
import type { CaseEvent } from './case-event.js';
import { caseEventToJson } from './event-json.js';
import { findPersonalData, maskPersonalData } from './personal-data.js';
import type { ErrorCode } from '../platform/errors.js';

export const DLQ_HEADERS = {
  sourceTopic: 'casepipe.source.topic',
  sourcePartition: 'casepipe.source.partition',
  sourceOffset: 'casepipe.source.offset',
  stage: 'casepipe.stage',
  reason: 'casepipe.reason',
  message: 'casepipe.message',
  time: 'casepipe.time',
  /** Present when personal data was masked: where (key, value fields, header names). */
  masked: 'casepipe.masked',
} as const;

/** What replaces a text field that held personal data in a masked dead-letter value. */
export const PERSONAL_DATA_REMOVED = '[personal data removed]';
/** Every reason the stream worker dead-letters with: stage decode, then stage validate (docs/case-event.md). */
export const DEAD_LETTER_REASONS = [
  'EMPTY_VALUE', 'NOT_AVRO', 'UNKNOWN_SCHEMA', 'DECODE_FAILED',
  'INVALID_EVENT_ID', 'INVALID_CASE_ID', 'UNKNOWN_KIND', 'INVALID_DEPARTMENT', 'INVALID_EVENT_TIME',
  'INVALID_CHANNEL_FOR_KIND', 'MISSING_DELIVERY_METHOD', 'INVALID_FIELD', 'PERSONAL_DATA', 'KEY_MISMATCH',
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
  const masked: string[] = [];
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    const text = headerText(value);
    if (text === undefined) continue;
    const safeName = maskPersonalData(name);
    const safeText = maskPersonalData(text);
    if (safeName !== name || safeText !== text) masked.push(`header ${safeName}`);
    headers[safeName] = safeText;
  }
  const key = maskBytes(input.key);
  if (key !== input.key) masked.push('key');
  const value = maskValue(input.value, masked);
  const safeMessage = maskPersonalData(input.message);
  const message = safeMessage.length > MAX_MESSAGE_HEADER ? `${safeMessage.slice(0, MAX_MESSAGE_HEADER - 3)}...` : safeMessage;
  // Ours win over same-named original headers (a replayed dead letter that failed again).
  headers[DLQ_HEADERS.sourceTopic] = input.topic;
  headers[DLQ_HEADERS.sourcePartition] = String(input.partition);
  headers[DLQ_HEADERS.sourceOffset] = input.offset;
  headers[DLQ_HEADERS.stage] = input.stage;
  headers[DLQ_HEADERS.reason] = input.code;
  headers[DLQ_HEADERS.message] = message;
  headers[DLQ_HEADERS.time] = (input.at ?? new Date()).toISOString();
  if (masked.length > 0) headers[DLQ_HEADERS.masked] = masked.join('; ');
  else delete headers[DLQ_HEADERS.masked];
  return { key, value, headers };
}

/** The value to keep: the input itself when it holds no personal data (see the module comment). */
function maskValue(value: Buffer | null, masked: string[]): Buffer | null {
  if (value === null || value.length === 0) return value;
  let event: CaseEvent;
  try {
    event = decodeCaseEvent(value).event;
  } catch {
    const bytes = maskBytes(value);
    if (bytes !== value) masked.push('value');
    return bytes;
  }
  const removed = removePersonalData(event);
  if (removed.length === 0) return value;
  masked.push(`value as JSON without ${removed.join(', ')}`);
  return Buffer.from(JSON.stringify(caseEventToJson(event)));
}

/** Replaces (in place) every text field of the event that holds personal data; returns their names. */
function removePersonalData(event: CaseEvent): string[] {
  const removed: string[] = [];
  const fields = ['eventId', 'caseId', 'departmentCode', 'departmentName', 'itemCode', 'sourceSystem', 'sourceRecordId'] as const;
  for (const field of fields) {
    const text = event[field];
    if (typeof text === 'string' && findPersonalData(text)) {
      event[field] = PERSONAL_DATA_REMOVED;
      removed.push(field);
    }
  }
  const attributes: Record<string, string> = {};
  let index = 0;
  for (const [name, text] of Object.entries(event.attributes ?? {})) {
    index++;
    let safeName = name;
    if (findPersonalData(name)) {
      safeName = `${PERSONAL_DATA_REMOVED} #${index}`;
      removed.push(`the name of attribute #${index}`);
    }
    if (findPersonalData(text)) {
      attributes[safeName] = PERSONAL_DATA_REMOVED;
      removed.push(safeName === name ? `attributes.${name}` : `the value of attribute #${index}`);
    } else {
      attributes[safeName] = text;
    }
  }
  event.attributes = attributes;
  return removed;
}

/**
 * Bytes with the digits of every match starred, same length: read as UTF-8 when they are UTF-8
 * (full-width digits included), else byte by byte (ASCII digits only). The input itself when clean.
 */
function maskBytes(bytes: Buffer | null): Buffer | null {
  if (bytes === null || bytes.length === 0) return bytes;
  const text = bytes.toString('utf8');
  const encoding: BufferEncoding = Buffer.byteLength(text) === bytes.length && Buffer.from(text, 'utf8').equals(bytes) ? 'utf8' : 'latin1';
  const view = encoding === 'utf8' ? text : bytes.toString('latin1');
  const safe = maskPersonalData(view);
  return safe === view ? bytes : Buffer.from(safe, encoding);
}

export interface ParsedDeadLetter {
  source: { topic: string; partition: number; offset: string };
  stage: string;
  /** The ErrorCode that sent the record here. */
  reason: string;
  message: string;
  at: Date;
  /** Where personal data was masked (see deadLetterMessage); undefined when nothing was. */
  masked: string | undefined;
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
    masked: all[DLQ_HEADERS.masked],
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
