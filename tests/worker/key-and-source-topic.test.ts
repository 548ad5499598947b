/**
 * One case counted once: a record keyed by anything but its caseId is dead-lettered (KEY_MISMATCH),
 * so a copy produced to another partition is not counted a second time; and a worker whose store was
 * built from another history of its topic (recreated with fewer records, resized) refuses to start
 * with an error that says how to rebuild the store.
 */
import type { CaseEvent } from '../../services/contract/case-event.js';
import { encodeCaseEvent } from '../../services/contract/codec.js';
import { isCasepipeError } from '../../services/platform/errors.js';
import { silentLogger } from '../../services/platform/logger.js';
import { readDeadLetters } from '../../services/worker/dead-letters.js';
import { startWorkerProcess } from '../../services/worker/worker-process.js';
import { testKafka } from '../fixtures/broker.js';
import { createCaseTopics, publish, testPipeline, waitForStore } from '../fixtures/pipeline.js';
import { casepipe, pipelineEnv, waitFor } from '../fixtures/worker-child.js';

const received = (caseId: string, eventId: string): CaseEvent => ({
  eventId, kind: 'RECEIVED', caseId, departmentCode: 'MZT', departmentName: '民政厅', itemCode: null, channel: 'FULL_ONLINE',
  deliveryMethod: null, eventTime: Date.parse('2025-08-10T02:00:00Z'), sourceSystem: 'mzt', sourceRecordId: eventId, attributes: {},
});

describe('one case, one partition', () => {
  it('dead-letters a record whose key is not its caseId, so a copy in another partition is not counted twice', async () => {
    const p = testPipeline('key-mismatch');
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    await createCaseTopics(admin, p.topics, 2);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    // The same milestone twice, once keyed by its caseId, once by something else in the other
    // partition, plus a copy with no key at all.
    await producer.send({
      topic: p.topics.caseEvents,
      acks: -1,
      messages: [
        { partition: 0, key: 'SC-1', value: encodeCaseEvent(received('SC-1', 'e1')) },
        { partition: 1, key: 'dept-export-7', value: encodeCaseEvent(received('SC-1', 'e1-copy')) },
        { partition: 1, key: null, value: encodeCaseEvent(received('SC-1', 'e1-copy2')) },
      ],
    });
    await producer.disconnect();
    const worker = await startWorkerProcess({ config: p.config, logger: silentLogger(), brokers: p.brokers, topics: p.topics, port: null });
    try {
      await waitForStore(admin, p.topics.caseEvents, () => worker.store.storedOffsets(p.topics.caseEvents));
      expect((await worker.store.figures('2025-08')).total.fullOnlineReceived).toBe(1);
      const dead = await waitFor('two dead letters', async () => {
        const d = await readDeadLetters(kafka, p.topics.deadLetters);
        return d.length >= 2 ? d : undefined;
      });
      expect(dead.map((d) => [d.source.partition, d.source.offset, d.stage, d.reason]).sort()).toEqual([
        [1, '0', 'validate', 'KEY_MISMATCH'],
        [1, '1', 'validate', 'KEY_MISMATCH'],
      ]);
      expect(dead.map((d) => d.message).join('\n')).not.toContain('dept-export-7');
    } finally {
      await worker.stop();
      await admin.disconnect();
      p.cleanup();
    }
  });
});

describe('a store from another history of its topic', () => {
  it('is refused at start: a recreated topic that ends below the stored offsets, then a resized one', async () => {
    const p = testPipeline('topic-history');
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    await createCaseTopics(admin, p.topics, 2);
    const events = Array.from({ length: 20 }, (_, i) => received(`SC-${i}`, `e${i}`));
    await publish(kafka, p.topics.caseEvents, events.map((e) => ({ key: e.caseId, value: encodeCaseEvent(e) })));
    const start = () => startWorkerProcess({ config: p.config, logger: silentLogger(), brokers: p.brokers, topics: p.topics, port: null });
    const worker = await start();
    try {
      await waitForStore(admin, p.topics.caseEvents, () => worker.store.storedOffsets(p.topics.caseEvents));
    } finally {
      await worker.stop();
    }
    try {
      // Recreated: deleted, created again with the same partitions and fewer records.
      await admin.deleteTopics({ topics: [p.topics.caseEvents] });
      await waitFor('the topic to be gone', async () => ((await admin.listTopics()).includes(p.topics.caseEvents) ? undefined : true));
      await waitFor('the topic to be created again', async () => {
        await admin.createTopics({ waitForLeaders: true, topics: [{ topic: p.topics.caseEvents, numPartitions: 2, replicationFactor: 1 }] });
        return true;
      });
      await publish(kafka, p.topics.caseEvents, events.slice(0, 2).map((e) => ({ key: e.caseId, value: encodeCaseEvent(e) })));
      const recreated = await start().then(
        async (w) => (await w.stop(), undefined),
        (err: unknown) => err,
      );
      expect(isCasepipeError(recreated, 'STORE_TOPIC_MISMATCH')).toBe(true);
      expect((recreated as Error).message).toMatch(/has counted .*case-events\[\d\] up to offset \d+, but the topic ends at \d/);
      expect((recreated as Error).message).toContain('Rebuild the store by replay');

      // Resized: the same refusal from the command line, exit code 1, naming the fix.
      await admin.createPartitions({ topicPartitions: [{ topic: p.topics.caseEvents, count: 3 }] });
      const cli = casepipe(pipelineEnv(p), 'worker');
      expect(cli.status).toBe(1);
      expect(cli.stderr).toContain('STORE_TOPIC_MISMATCH');
      expect(cli.stderr).toContain('with 2 partitions, the topic now has 3');
      expect(cli.stderr).toContain('Rebuild the store by replay: stop the worker, move');
    } finally {
      await admin.disconnect();
      p.cleanup();
    }
  });
});
