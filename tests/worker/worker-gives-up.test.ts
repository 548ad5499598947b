/**
 * When retrying cannot help, the worker ends instead of spinning: an error that says so (DuckDB out of
 * memory under a memory limit too small for one batch) ends the real `casepipe worker` with exit code 1
 * at once, and a failure that keeps coming back ends the consumer after MAX_RESTARTS restarts.
 */
import type { CaseEvent } from '../../services/contract/case-event.js';
import { encodeCaseEvent } from '../../services/contract/codec.js';
import { CasepipeError } from '../../services/platform/errors.js';
import { silentLogger } from '../../services/platform/logger.js';
import { MAX_RESTARTS, StreamWorker, type WorkerStore } from '../../services/worker/stream-worker.js';
import { createWorkerMetrics } from '../../services/worker/worker-metrics.js';
import { testKafka } from '../fixtures/broker.js';
import { createCaseTopics, publish, testPipeline, type RawRecord } from '../fixtures/pipeline.js';
import { pipelineEnv, startWorkerChild } from '../fixtures/worker-child.js';

const received = (i: number): CaseEvent => ({
  eventId: `e${i}`, kind: 'RECEIVED', caseId: `SC-${i}`, departmentCode: 'MZT', departmentName: '民政厅', itemCode: null, channel: 'FULL_ONLINE',
  deliveryMethod: null, eventTime: Date.parse('2025-08-10T02:00:00Z') + i, sourceSystem: 'mzt', sourceRecordId: `r${i}`, attributes: {},
});
const records = (from: number, n: number): RawRecord[] =>
  Array.from({ length: n }, (_, k) => received(from + k)).map((e) => ({ key: e.caseId, value: encodeCaseEvent(e) }));

describe('a worker that cannot go on', () => {
  it('exits 1 at once on an error retrying cannot cure (a store memory limit too small for a batch)', async () => {
    const p = testPipeline('store-too-small');
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    await createCaseTopics(admin, p.topics, 1);
    await publish(kafka, p.topics.caseEvents, records(0, 20_000));
    const worker = startWorkerChild(pipelineEnv(p, { CASEPIPE_APPLY_MEMORY_LIMIT: '4MB' }));
    try {
      const code = await Promise.race([worker.exited, new Promise((r) => setTimeout(() => r('still running after 60 s'), 60_000))]);
      expect(code).toBe(1);
      expect(worker.stderr()).toMatch(/applying [^ ]+case-events\[0\] up to offset \d+ failed: [^"]*(could not|failed to) allocate/); // DuckDB words it by the operator that ran out
      expect(worker.stderr()).toContain('stream worker cannot continue; exiting');
      // Tried once: no consumer restart for an error that says retrying cannot help.
      expect(worker.stderr()).not.toContain('restarting it');
    } finally {
      worker.child.kill('SIGKILL');
      await admin.disconnect();
      p.cleanup();
    }
  });

  it('gives up after MAX_RESTARTS restarts of a failure that keeps coming back', async () => {
    const q = testPipeline('restart-limit');
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    await createCaseTopics(admin, q.topics, 1);
    await publish(kafka, q.topics.caseEvents, records(0, 5));
    let attempts = 0;
    const store: WorkerStore = {
      storedOffsets: async () => new Map(),
      applyBatch: async () => {
        attempts++;
        throw new CasepipeError('STORE_BUSY', 'the store is busy (a test that never lets it be)', { canRetry: true });
      },
    };
    let fatal: (err: Error) => void = () => undefined;
    const gaveUp = new Promise<Error>((resolve) => (fatal = resolve));
    const worker = new StreamWorker({
      kafka, store, logger: silentLogger(), metrics: createWorkerMetrics(undefined, false), topic: q.topics.caseEvents, deadLetterTopic: q.topics.deadLetters,
      groupId: q.config.groupId, sessionTimeoutMs: 6000, onFatal: fatal,
      // No retries inside kafkajs: every failure is a consumer restart, which is what is limited.
      retry: { retries: 0, initialRetryTime: 100, maxRetryTime: 100 },
    });
    try {
      await worker.start();
      const err = await Promise.race([gaveUp, new Promise<Error>((_, reject) => setTimeout(() => reject(new Error(`no fatal end after ${attempts} attempts`)), 90_000))]);
      expect(err.message).toContain('the store is busy');
      expect(attempts).toBe(MAX_RESTARTS + 1);
    } finally {
      await worker.stop().catch(() => undefined);
      await admin.disconnect();
      q.cleanup();
    }
  });
});
