import { createTopics, testKafka, uniqueName } from '../fixtures/broker.js';

describe('the real Kafka broker', () => {
  it('creates a topic, produces and consumes through kafkajs', async () => {
    const kafka = testKafka();
    const topic = uniqueName('roundtrip');
    const admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, [{ topic, numPartitions: 3 }]);

    const producer = kafka.producer();
    await producer.connect();
    const sent = Array.from({ length: 30 }, (_, i) => ({ key: `case-${i}`, value: `value-${i}` }));
    await producer.send({ topic, acks: -1, messages: sent });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: uniqueName('roundtrip-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: { key: string; value: string; partition: number }[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${received.length} of 30 messages arrived`)), 30_000);
      consumer
        .run({
          eachMessage: async ({ message, partition }) => {
            received.push({ key: message.key!.toString(), value: message.value!.toString(), partition });
            if (received.length === sent.length) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();

    expect(received.map((r) => r.key).sort()).toEqual(sent.map((s) => s.key).sort());
    // Same key → same partition: every copy of a case lands in one partition.
    const byKey = new Map(received.map((r) => [r.key, r.partition]));
    expect(byKey.size).toBe(30);
    expect(new Set(received.map((r) => r.partition)).size).toBeGreaterThan(1);
  });
});
