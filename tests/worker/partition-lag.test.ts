/**
 * Lag comes from the end offsets on a timer, for every partition the worker owns: after a restart every
 * partition is published (not only those that had a batch since), and while the worker is stalled —
 * its real consumer paused with records arriving — the lag and the oldest record's waiting time grow.
 */
import type { Consumer } from 'kafkajs';
import { sampleEvent } from '../../services/contract/test-events.js';
import { silentLogger } from '../../services/platform/logger.js';
import { startWorkerProcess, type RunningWorker } from '../../services/worker/worker-process.js';
import { testKafka } from '../fixtures/broker.js';
import { createCaseTopics, eventRecord, publish, testPipeline, waitForStore } from '../fixtures/pipeline.js';

async function lagByPartition(worker: RunningWorker): Promise<Map<number, number>> {
  const metric = await worker.metrics.registry.getSingleMetric('casepipe_consumergroup_lag')!.get();
  return new Map(metric.values.map((v) => [Number(v.labels.partition), v.value]));
}

async function until(what: string, timeoutMs: number, ok: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('partition lag', () => {
  it('is published for all partitions after a restart, and grows while the worker is stalled', async () => {
    const p = testPipeline('lag');
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    await createCaseTopics(admin, p.topics, 12);
    const events = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => eventRecord(sampleEvent('RECEIVED', { caseId: `SC-LAG-${from + i}`, eventId: `e-lag-${from + i}`, eventTime: Date.now() - 60_000 })));
    await publish(kafka, p.topics.caseEvents, events(0, 40));
    const start = () => startWorkerProcess({ config: p.config, logger: silentLogger(), brokers: p.brokers, topics: p.topics, port: null, statusIntervalMs: 300 });
    let worker = await start();
    try {
      await waitForStore(admin, p.topics.caseEvents, () => worker.store.storedOffsets(p.topics.caseEvents));
      await worker.stop();

      // Restarted with nothing new to read: no partition has a batch, every one has its lag.
      worker = await start();
      await until('lag for all 12 partitions', 60_000, async () => (await lagByPartition(worker)).size === 12);
      expect([...(await lagByPartition(worker)).values()]).toEqual(new Array(12).fill(0));

      // Stalled: the consumer fetches nothing more while records keep arriving.
      const consumer = worker.worker.consumerEvents as Consumer;
      consumer.pause([{ topic: p.topics.caseEvents }]);
      await new Promise((r) => setTimeout(r, 1000)); // let a batch already fetched finish
      const before = [...(await worker.store.storedOffsets(p.topics.caseEvents)).values()].reduce((s, o) => s + Number(o), 0);
      await publish(kafka, p.topics.caseEvents, events(100, 30));
      const ends = (await admin.fetchTopicOffsets(p.topics.caseEvents)).reduce((s, o) => s + Number(o.high), 0);
      await until('the lag of the stalled worker', 30_000, async () => [...(await lagByPartition(worker)).values()].reduce((s, n) => s + n, 0) === ends - before);
      const age = async () => Math.max(...(await worker.metrics.registry.getSingleMetric('casepipe_consumergroup_oldest_unprocessed_age_seconds')!.get()).values.map((v) => v.value));
      await until('the oldest record to be seen waiting', 10_000, async () => (await age()) > 0);
      const first = await age();
      await new Promise((r) => setTimeout(r, 1500));
      expect(await age()).toBeGreaterThan(first);
      expect(worker.status.summary().lag.total).toBe(ends - before);

      consumer.resume([{ topic: p.topics.caseEvents }]);
      await waitForStore(admin, p.topics.caseEvents, () => worker.store.storedOffsets(p.topics.caseEvents));
      await until('the lag back at 0', 30_000, async () => [...(await lagByPartition(worker)).values()].every((n) => n === 0));
    } finally {
      await worker.stop();
      await admin.disconnect();
      p.cleanup();
    }
  });
});
