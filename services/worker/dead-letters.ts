/**
 * Operators' view of the dead-letter topic: read it from the beginning up to its current end, count by
 * reason and department, and replay records (original key, value and headers, byte for byte) onto their
 * source topic once the cause is fixed — e.g. after a new schema version was added to schemas/.
 * A replayed record carries `casepipe.replayed-from` (dlq topic/partition/offset) so a loop is visible.
 *
 * The worker sends a batch's dead letters before it stores the batch, so a crash or a retried batch
 * sends them again: one source record (topic, partition, offset) can have several copies here. They
 * are read as one. A replay first judges each record as the worker will (services/contract/check-record.ts,
 * with today's schemas and rules) and holds back those that would fail again.
 */
import type { Kafka } from 'kafkajs';
import { checkCaseEventRecord } from '../contract/check-record.js';
import { DEAD_LETTER_REASONS, parseDeadLetter, type ParsedDeadLetter } from '../contract/dead-letter.js';
import type { CaseEventSchemas } from '../contract/schema-registry.js';
import { CasepipeError } from '../platform/errors.js';
import { randomBytes } from 'node:crypto';

export interface DeadLetterRecord extends ParsedDeadLetter {
  dlq: { partition: number; offset: string };
}

export interface DeadLetterTopic {
  /** One per source record (topic, partition, offset): the first copy on the dead-letter topic. */
  records: DeadLetterRecord[];
  /** Further copies of those records (sent again after a crash or a batch retry), left out. */
  copies: number;
  /** Every reason found on the topic (before the filter). */
  reasons: Set<string>;
}

/** Every dead letter now on the topic, one per source record (see `readDeadLetterTopic`). */
export async function readDeadLetters(kafka: Kafka, topic: string, filter: { reason?: string } = {}): Promise<DeadLetterRecord[]> {
  return (await readDeadLetterTopic(kafka, topic, filter)).records;
}

/** Reads the dead-letter topic to its current end (a throwaway group: real offsets never move). */
export async function readDeadLetterTopic(kafka: Kafka, topic: string, filter: { reason?: string } = {}): Promise<DeadLetterTopic> {
  const all = await readAll(kafka, topic);
  const { records, copies } = uniqueDeadLetters(all);
  const reasons = new Set(records.map((r) => r.reason));
  if (filter.reason === undefined) return { records, copies, reasons };
  const keep = (r: DeadLetterRecord) => r.reason === filter.reason;
  return { records: records.filter(keep), copies: all.filter(keep).length - records.filter(keep).length, reasons };
}

/** One record per source (topic, partition, offset): the copy earliest on the dead-letter topic. */
export function uniqueDeadLetters(records: DeadLetterRecord[]): { records: DeadLetterRecord[]; copies: number } {
  const sorted = [...records].sort((a, b) => a.dlq.partition - b.dlq.partition || compareOffsets(a.dlq.offset, b.dlq.offset));
  const seen = new Set<string>();
  const out: DeadLetterRecord[] = [];
  for (const r of sorted) {
    const id = `${r.source.topic}\u0000${r.source.partition}\u0000${r.source.offset}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(r);
  }
  return { records: out, copies: records.length - out.length };
}

function compareOffsets(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * A `--reason` must be one the worker dead-letters with, or one present on the topic (a connector's
 * own code, an older casepipe's); anything else is a typo, and an error rather than "0 records".
 */
export function assertKnownReason(reason: string, onTopic: Set<string>): void {
  if ((DEAD_LETTER_REASONS as readonly string[]).includes(reason) || onTopic.has(reason)) return;
  const extra = [...onTopic].filter((r) => !(DEAD_LETTER_REASONS as readonly string[]).includes(r));
  throw new CasepipeError(
    'UNKNOWN_REASON',
    `unknown dead-letter reason ${JSON.stringify(reason)}; the reasons are ${[...DEAD_LETTER_REASONS, ...extra].join(', ')}`,
  );
}

export interface ReplayPlan {
  /** Records the worker would count now: these are sent. */
  send: DeadLetterRecord[];
  /** Records that would be refused again, with today's reason: held back unless forced. */
  failAgain: { record: DeadLetterRecord; code: string; message: string }[];
  /** Records kept with their personal data masked: no longer the original bytes, never sent, not even forced. */
  masked: DeadLetterRecord[];
}

/**
 * Judges each record as the worker will when it comes back: decoded with today's schemas, today's
 * rules, ingested now (the replayed record gets a new timestamp).
 */
export function planReplay(records: DeadLetterRecord[], nowMs: number, schemas?: CaseEventSchemas): ReplayPlan {
  const plan: ReplayPlan = { send: [], failAgain: [], masked: [] };
  for (const record of records) {
    if (record.masked !== undefined) {
      plan.masked.push(record);
      continue;
    }
    const check = checkCaseEventRecord({ key: record.key, value: record.value, timestampMs: nowMs }, schemas);
    if (check.ok) plan.send.push(record);
    else plan.failAgain.push({ record, code: check.code, message: check.message });
  }
  return plan;
}

async function readAll(kafka: Kafka, topic: string): Promise<DeadLetterRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, { low: BigInt(o.low), high: BigInt(o.high) }]));
  await admin.disconnect();
  const remaining = new Set([...ends].filter(([, o]) => o.high > o.low).map(([p]) => p));
  const out: DeadLetterRecord[] = [];
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({ groupId: `casepipe-dlq-reader-${randomBytes(4).toString('hex')}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ partition, message }) => {
          const parsed = parseDeadLetter({ key: message.key ?? null, value: message.value ?? null, headers: message.headers });
          if (parsed) out.push({ ...parsed, dlq: { partition, offset: message.offset } });
          if (BigInt(message.offset) + 1n >= ends.get(partition)!.high) {
            remaining.delete(partition);
            if (remaining.size === 0) resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return out;
}

export function countDeadLetters(records: DeadLetterRecord[]): { reason: string; stage: string; count: number }[] {
  const counts = new Map<string, { reason: string; stage: string; count: number }>();
  for (const r of records) {
    const k = `${r.reason}\u0000${r.stage}`;
    const c = counts.get(k) ?? { reason: r.reason, stage: r.stage, count: 0 };
    c.count++;
    counts.set(k, c);
  }
  return [...counts.values()].sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
}

/** Sends the records back to their source topics, unchanged. Returns how many were sent. */
export async function replayDeadLetters(kafka: Kafka, dlqTopic: string, records: DeadLetterRecord[]): Promise<number> {
  if (records.length === 0) return 0;
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const byTopic = new Map<string, DeadLetterRecord[]>();
    for (const r of records) byTopic.set(r.source.topic, [...(byTopic.get(r.source.topic) ?? []), r]);
    for (const [topic, rs] of byTopic) {
      await producer.send({
        topic,
        acks: -1,
        messages: rs.map((r) => ({
          key: r.key,
          value: r.value,
          headers: { ...r.originalHeaders, 'casepipe.replayed-from': `${dlqTopic}/${r.dlq.partition}/${r.dlq.offset}` },
        })),
      });
    }
  } finally {
    await producer.disconnect();
  }
  return records.length;
}
