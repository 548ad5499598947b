/**
 * The raw kafkajs consumer of the hot-path bench, as its own process: joins a group, counts records,
 * commits after every batch (as the worker does), nothing else. Exits on SIGTERM.
 * Env: KAFKA_BROKERS, BENCH_TOPIC, BENCH_GROUP; BENCH_RECORD_DECODER=casepipe decodes record batches
 * with services/platform/kafka-record-batch.ts (the worker's) instead of kafkajs' own.
 */
import kafkajs from 'kafkajs';
import { installRecordBatchDecoder } from '../../../services/platform/kafka-record-batch.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`raw-kafkajs: ${name} is not set`);
  return v;
};
if (process.env.BENCH_RECORD_DECODER === 'casepipe' && installRecordBatchDecoder() !== 'installed') throw new Error('raw-kafkajs: the record batch decoder could not be installed');
const kafka = new kafkajs.Kafka({ clientId: 'casepipe-bench-raw', brokers: env('KAFKA_BROKERS').split(','), logLevel: kafkajs.logLevel.NOTHING });
const consumer = kafka.consumer({ groupId: env('BENCH_GROUP'), maxBytesPerPartition: 4 * 1024 * 1024, maxBytes: 32 * 1024 * 1024 });
await consumer.connect();
await consumer.subscribe({ topic: env('BENCH_TOPIC'), fromBeginning: true });
let seen = 0;
await consumer.run({
  partitionsConsumedConcurrently: 3,
  autoCommitThreshold: 1, // commit after every batch, like the worker
  eachBatch: async ({ batch }) => {
    seen += batch.messages.length;
  },
});
process.on('SIGTERM', () => {
  void consumer.disconnect().finally(() => {
    console.error(`raw-kafkajs: ${seen} records`);
    process.exit(0);
  });
});
