/**
 * Operators' view of the dead-letter topic: read it from the beginning up to its current end, count by
 * reason and department, and replay records (original key, value and headers, byte for byte) onto their
 * source topic once the cause is fixed — e.g. after a new schema version was added to schemas/.
 * A replayed record carries `casepipe.replayed-from` (dlq topic/partition/offset) so a loop is visible.
 */
import type { Kafka } from 'kafkajs';
import { parseDeadLetter, type ParsedDeadLetter } from '../contract/dead-letter.js';
import { randomBytes } from 'node:crypto';

export interface DeadLetterRecord extends ParsedDeadLetter {
  dlq: { partition: number; offset: string };
}

/** Every record now on the dead-letter topic (a throwaway group: real offsets never move). */
export async function readDeadLetters(kafka: Kafka, topic: string, filter: { reason?: string } = {}): Promise<DeadLetterRecord[]> {
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
          if (parsed && (!filter.reason || parsed.reason === filter.reason)) out.push({ ...parsed, dlq: { partition, offset: message.offset } });
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
