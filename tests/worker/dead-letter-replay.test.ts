/**
 * Operators list the dead-letter topic by reason and replay records, byte for byte, onto the source
 * topic; a replayed record that fails again comes back marked with where it was replayed from.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { encodeCaseEvent } from '../../services/contract/codec.js';
import { silentLogger } from '../../services/platform/logger.js';
import { countDeadLetters, readDeadLetters, replayDeadLetters } from '../../services/worker/dead-letters.js';
import { startWorkerProcess } from '../../services/worker/worker-process.js';
import { testKafka } from '../fixtures/broker.js';
import { createCaseTopics, publish, testPipeline, waitForStore } from '../fixtures/pipeline.js';
import { PROJECT_ROOT } from '../fixtures/test-broker-state.js';

describe('dead letters', () => {
  it('are listed by reason and replayed byte for byte', async () => {
    const p = testPipeline('dlq-replay');
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    await createCaseTopics(admin, p.topics, 1);
    const good = encodeCaseEvent({
      eventId: 'e1', kind: 'RECEIVED', caseId: 'SC-1', departmentCode: 'MZT', departmentName: '民政厅', itemCode: null, channel: 'FULL_ONLINE',
      deliveryMethod: null, eventTime: Date.parse('2025-08-10T02:00:00Z'), sourceSystem: 'mzt', sourceRecordId: 'r1', attributes: {},
    });
    const junk = [Buffer.from('办件编号,受理时间'), Buffer.from([0x00, 0x01, 0x02])];
    await publish(kafka, p.topics.caseEvents, [
      { key: 'SC-1', value: good },
      { key: 'junk-1', value: junk[0] },
      { key: 'tomb', value: null },
      { key: 'junk-2', value: junk[1] },
    ]);
    const worker = await startWorkerProcess({ config: p.config, logger: silentLogger(), brokers: p.brokers, topics: p.topics, port: null });
    try {
      await waitForStore(admin, p.topics.caseEvents, () => worker.store.storedOffsets(p.topics.caseEvents));
      const first = await readDeadLetters(kafka, p.topics.deadLetters);
      expect(countDeadLetters(first)).toEqual([
        { reason: 'NOT_AVRO', stage: 'decode', count: 2 },
        { reason: 'EMPTY_VALUE', stage: 'decode', count: 1 },
      ]);

      const cli = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'casepipe.js'), 'dead-letters', 'list'], {
        env: { ...process.env, KAFKA_BROKERS: p.brokers.join(','), CASEPIPE_TOPIC_PREFIX: p.config.topicPrefix, LOG_LEVEL: 'error' },
        encoding: 'utf8',
      });
      expect(cli.status).toBe(0);
      expect(cli.stdout).toMatch(/2\s+NOT_AVRO\s+decode/);

      const notAvro = await readDeadLetters(kafka, p.topics.deadLetters, { reason: 'NOT_AVRO' });
      expect(await replayDeadLetters(kafka, p.topics.deadLetters, notAvro)).toBe(2);
      await waitForStore(admin, p.topics.caseEvents, () => worker.store.storedOffsets(p.topics.caseEvents));
      const after = await readDeadLetters(kafka, p.topics.deadLetters, { reason: 'NOT_AVRO' });
      expect(after).toHaveLength(4);
      const replayed = after.filter((r) => r.originalHeaders['casepipe.replayed-from']);
      expect(replayed.map((r) => r.key?.toString()).sort()).toEqual(['junk-1', 'junk-2']);
      expect(replayed.map((r) => r.value!.toString('hex')).sort()).toEqual(junk.map((b) => b.toString('hex')).sort());
      expect((await worker.store.figures('2025-08')).total.fullOnlineReceived).toBe(1);
    } finally {
      await worker.stop();
      await admin.disconnect();
      p.cleanup();
    }
  });
});
