/**
 * Publishes a generated month straight onto the case-events topic, encoded exactly as a connector
 * would (key = case id), plus the malformed records the generator asks for, turned into the bytes
 * that each dead-letter reason is about.
 */
import type { Producer } from 'kafkajs';
import type { CaseEvent } from '../contract/case-event.js';
import { encodeCaseEvent } from '../contract/codec.js';
import { monthOf, monthRange } from '../contract/month.js';

export interface MalformedRecordSpec {
  key: string;
  kind: string;
  event?: CaseEvent;
  /** For NOT_AVRO: the text that was sent instead of an event. */
  text?: string;
}

/** The bytes of a malformed record: what a broken or foreign producer would send. */
export function malformedValue(spec: MalformedRecordSpec): Buffer | null {
  const encoded = spec.event ? encodeCaseEvent(spec.event) : undefined;
  switch (spec.kind) {
    case 'EMPTY_VALUE':
      return null;
    case 'NOT_AVRO':
      return Buffer.from(spec.text ?? JSON.stringify({ caseId: spec.key, note: 'a JSON export sent to the wrong topic' }));
    case 'UNKNOWN_SCHEMA': {
      const b = Buffer.from(encoded ?? Buffer.alloc(40, 1));
      b[0] = 0xc3;
      b[1] = 0x01;
      for (let i = 2; i < 10; i++) b[i] ^= 0xa5; // a fingerprint no version in schemas/ has
      return b;
    }
    case 'TRUNCATED':
    case 'DECODE_FAILED': {
      const b = encoded ?? Buffer.from([0xc3, 0x01]);
      return b.subarray(0, Math.max(11, Math.floor(b.length / 2)));
    }
    default:
      // A validation reason: a well-formed event that breaks a rule (the generator built it so).
      if (!encoded) throw new Error(`malformed record ${spec.key} of kind ${spec.kind} needs an event`);
      return encoded;
  }
}

export interface PublishProgress {
  (sent: number, total: number): void;
}

export async function publishGenerated(
  producer: Producer,
  topic: string,
  events: CaseEvent[],
  malformed: MalformedRecordSpec[],
  onProgress?: PublishProgress,
  chunk = 5000,
  /** Malformed records arrive within this window (the generated month), so they count in its data quality. */
  arrivalWindow?: { startMs: number; endMs: number },
): Promise<{ events: number; malformed: number }> {
  const total = events.length + malformed.length;
  // Malformed records are spread through the stream, as they would arrive in life.
  const every = malformed.length > 0 ? Math.max(1, Math.floor(events.length / malformed.length)) : Infinity;
  const messages: { key: string; value: Buffer | null; timestamp: string }[] = [];
  // Record timestamps say when each record reached Kafka: minutes after the event, as a connector
  // polling its source would deliver it. The worker judges lateness and the future-time rule by them.
  const arrival = (e: CaseEvent, i: number) => String(Math.min(Date.now(), e.eventTime + 60_000 * (2 + (i % 28))));
  let lastTimestamp = String(Date.now());
  // A malformed record that still carries an event arrives minutes after it, like any other, so that
  // it fails for the reason it was made for (not "more than a day after ingestion"); the rest arrive
  // within the generated month, so they count in its data quality.
  const malformedArrival = (spec: MalformedRecordSpec) => {
    // Minutes after the event, but within its CST month: a dead letter counts in the month it arrived,
    // and the demo checks the month's dead letters against every malformed record it made.
    if (spec.event && spec.kind !== 'INVALID_EVENT_TIME') {
      const monthEnd = monthRange(monthOf(spec.event.eventTime)).endMs;
      return String(Math.min(Date.now(), spec.event.eventTime + 300_000, monthEnd - 1));
    }
    const t = Number(lastTimestamp);
    return String(arrivalWindow ? Math.min(Math.max(t, arrivalWindow.startMs + 3_600_000), arrivalWindow.endMs - 3_600_000) : t);
  };
  let m = 0;
  let sent = 0;
  const flush = async () => {
    if (messages.length === 0) return;
    await producer.send({ topic, acks: -1, messages: messages.splice(0) });
  };
  for (let i = 0; i < events.length; i++) {
    lastTimestamp = arrival(events[i], i);
    messages.push({ key: events[i].caseId, value: encodeCaseEvent(events[i]), timestamp: lastTimestamp });
    if ((i + 1) % every === 0 && m < malformed.length) {
      const spec = malformed[m++];
      messages.push({ key: spec.key, value: malformedValue(spec), timestamp: malformedArrival(spec) });
    }
    if (messages.length >= chunk) {
      sent += messages.length;
      await flush();
      onProgress?.(sent, total);
    }
  }
  for (; m < malformed.length; m++) messages.push({ key: malformed[m].key, value: malformedValue(malformed[m]), timestamp: malformedArrival(malformed[m]) });
  sent += messages.length;
  await flush();
  onProgress?.(sent, total);
  return { events: events.length, malformed: malformed.length };
}
