/**
 * casepipe's record batch decoder (services/platform/kafka-record-batch.ts) against a real broker's
 * fetch responses: a consumer made by createKafka, in a process of its own (where the decoder is
 * installed), must hand over exactly the records that kafkajs' own decoder hands this jest process:
 * plain and gzip batches, headers, null keys and values, and a transaction aborted between committed
 * ones (its records and the control records must not show).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { CompressionTypes, type Kafka } from 'kafkajs';
import { createTopics, testBrokers, testKafka, uniqueName } from '../fixtures/broker.js';
import { readRecords, type SeenRecord } from '../fixtures/read-records.js';
import { PROJECT_ROOT } from '../fixtures/test-broker-state.js';

async function produce(kafka: Kafka, topic: string): Promise<number> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const messages = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      key: (from + i) % 7 === 0 ? null : `case-${from + i}`,
      value: (from + i) % 11 === 0 ? null : `办件 ${from + i} `.repeat(1 + ((from + i) % 5)),
      headers: (from + i) % 3 === 0 ? { source: `dept-${(from + i) % 4}`, trace: ['a', 'b'] } : undefined,
      timestamp: String(Date.UTC(2025, 7, 31, 16) + ((from + i) % 13) * 1000 - 6000),
    }));
  await producer.send({ topic, acks: -1, messages: messages(0, 600) });
  await producer.send({ topic, acks: -1, compression: CompressionTypes.GZIP, messages: messages(600, 600) });
  await producer.disconnect();

  const tx = kafka.producer({ transactionalId: uniqueName('decoder-tx'), idempotent: true, maxInFlightRequests: 1 });
  await tx.connect();
  const aborted = await tx.transaction();
  await aborted.send({ topic, messages: messages(5000, 50) });
  await aborted.abort();
  const committed = await tx.transaction();
  await committed.send({ topic, messages: messages(1200, 100) });
  await committed.commit();
  await tx.disconnect();
  return 1300;
}


const order = (a: SeenRecord, b: SeenRecord) => a.partition - b.partition || Number(a.offset) - Number(b.offset);

describe("casepipe's record batch decoder on a real broker", () => {
  it('hands a consumer the same records as kafkajs’ own decoder, aborted transactions left out', async () => {
    const kafka = testKafka();
    const topic = uniqueName('decoder');
    const admin = kafka.admin();
    await admin.connect();
    try {
      await createTopics(admin, [{ topic, numPartitions: 3 }]);
      const want = await produce(kafka, topic);

      const child = spawnSync(process.execPath, ['--import', 'tsx', 'tests/fixtures/record-batch-reader.ts'], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, KAFKA_BROKERS: testBrokers().join(','), READER_TOPIC: topic, READER_GROUP: uniqueName('decoder-child'), READER_COUNT: String(want) },
        encoding: 'utf8',
        timeout: 90_000,
      });
      if (child.status !== 0) throw new Error(`the reader process failed (exit ${child.status}):\n${child.stderr.slice(-3000)}`);
      const theirs = JSON.parse(child.stdout) as { batches: number; records: SeenRecord[] };
      const ours = await readRecords(kafka, topic, uniqueName('decoder-jest'), want);

      expect(theirs.batches).toBeGreaterThan(0); // the reader's records came through casepipe's decoder
      expect(theirs.records).toHaveLength(want);
      expect(theirs.records.slice().sort(order)).toEqual(ours.slice().sort(order));
      // The fixture is what it claims: gzip and plain batches, headers, nulls, an aborted transaction.
      expect(ours.some((r) => r.key === null) && ours.some((r) => r.value === null)).toBe(true);
      expect(ours.some((r) => Array.isArray(r.headers.trace))).toBe(true);
      expect(ours.some((r) => r.value !== null && Buffer.from(r.value, 'hex').toString().startsWith('办件 5000'))).toBe(false);
      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBeGreaterThan(want); // aborted records and markers sit in the log
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
