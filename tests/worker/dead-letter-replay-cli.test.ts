/**
 * `casepipe dead-letters` as an operator runs it, on the case that matters: a connector writes a schema
 * version the worker does not know yet (UNKNOWN_SCHEMA). Copies of a dead letter (a crash re-sent it)
 * count once; a replay before the cause is fixed is refused and sends nothing; an unknown reason is an
 * error; once the schema is added and the worker restarted, the replay sends each record once and they
 * are counted exactly once; a second replay counts nothing more.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CaseEvent } from '../../services/contract/case-event.js';
import { encodeCaseEvent } from '../../services/contract/codec.js';
import { loadCaseEventSchemas } from '../../services/contract/schema-registry.js';
import type { MonthFigures } from '../../services/figures/window-figures.js';
import { testKafka, uniqueName } from '../fixtures/broker.js';
import { createCaseTopics, publish, testPipeline } from '../fixtures/pipeline.js';
import { PROJECT_ROOT } from '../fixtures/test-broker-state.js';
import { casepipe, pipelineEnv, startWorkerChild, storedTotal, waitFor, type WorkerChild } from '../fixtures/worker-child.js';

const received = (i: number): CaseEvent => ({
  eventId: `e${i}`, kind: 'RECEIVED', caseId: `SC-${i}`, departmentCode: 'MZT', departmentName: '民政厅', itemCode: null, channel: 'FULL_ONLINE',
  deliveryMethod: null, eventTime: Date.parse('2025-08-10T02:00:00Z') + i, sourceSystem: 'mzt', sourceRecordId: `r${i}`, attributes: {},
});

describe('casepipe dead-letters replay', () => {
  it('sends nothing while the cause is there, then each record once, counted exactly once', async () => {
    const p = testPipeline('replay-cli');
    // The deployment's schemas folder: v1 only, as before the connector team's release.
    const schemasDir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-schemas-'));
    fs.copyFileSync(path.join(PROJECT_ROOT, 'schemas', 'case-event.v1.avsc'), path.join(schemasDir, 'case-event.v1.avsc'));
    const v2File = path.join(PROJECT_ROOT, 'services', 'contract', 'fixtures', 'case-event.v2.compatible.avsc');
    const withV2 = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-schemas-v2-'));
    fs.copyFileSync(path.join(schemasDir, 'case-event.v1.avsc'), path.join(withV2, 'case-event.v1.avsc'));
    fs.copyFileSync(v2File, path.join(withV2, 'case-event.v2.avsc'));
    const v2 = loadCaseEventSchemas(withV2);

    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    await createCaseTopics(admin, p.topics, 2);
    const v1Events = Array.from({ length: 6 }, (_, i) => received(i));
    const v2Events = Array.from({ length: 4 }, (_, i) => ({ ...received(100 + i), regionCode: '510100' }) as CaseEvent);
    await publish(kafka, p.topics.caseEvents, [
      ...v1Events.map((e) => ({ key: e.caseId, value: encodeCaseEvent(e) })),
      ...v2Events.map((e) => ({ key: e.caseId, value: encodeCaseEvent(e, 2, v2) })),
    ]);
    const env = pipelineEnv(p, { CASEPIPE_SCHEMAS_DIR: schemasDir });
    const topicEnd = async () => (await admin.fetchTopicOffsets(p.topics.caseEvents)).reduce((s, o) => s + Number(o.high), 0);
    const runWorker = async (): Promise<{ worker: WorkerChild; url: string }> => {
      const worker = startWorkerChild(env);
      const url = await worker.url();
      const end = await topicEnd();
      await worker.whileRunning(waitFor(`the store to reach offset total ${end}`, async () => ((await storedTotal(url)) === end ? true : undefined)));
      return { worker, url };
    };
    const received_ = async (url: string) => ((await (await fetch(`${url}/figures?month=2025-08`)).json()) as MonthFigures).total.fullOnlineReceived;

    let { worker, url } = await runWorker();
    try {
      expect(await received_(url)).toBe(6);
      // A crash between sending dead letters and storing the batch sends them again: copy one.
      const dlqConsumer = kafka.consumer({ groupId: uniqueName('dlq-copy') });
      await dlqConsumer.connect();
      await dlqConsumer.subscribe({ topic: p.topics.deadLetters, fromBeginning: true });
      const first = await new Promise<{ key: Buffer | null; value: Buffer | null; headers: Record<string, string> }>((resolve) => {
        dlqConsumer.run({
          eachMessage: async ({ message }) =>
            resolve({ key: message.key, value: message.value, headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])) }),
        });
      });
      await dlqConsumer.disconnect();
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: p.topics.deadLetters, acks: -1, messages: [first] });
      await producer.disconnect();

      const list = casepipe(env, 'dead-letters', 'list');
      expect(list.status).toBe(0);
      expect(list.stdout).toMatch(/^\s+4\s+UNKNOWN_SCHEMA\s+decode$/m);
      expect(list.stdout).toContain('(1 further copy of these records, sent again after a crash or retry, not counted)');

      const typo = casepipe(env, 'dead-letters', 'replay', '--reason', 'UNKNOWN_SCHEM');
      expect(typo.status).toBe(1);
      expect(typo.stderr).toContain('UNKNOWN_REASON: unknown dead-letter reason "UNKNOWN_SCHEM"');

      const before = await topicEnd();
      const refused = casepipe(env, 'dead-letters', 'replay', '--reason', 'UNKNOWN_SCHEMA');
      expect(refused.status).toBe(1);
      expect(refused.stdout).toContain('4 UNKNOWN_SCHEMA dead letter(s)');
      expect(refused.stdout).toContain('(1 further copy left out)');
      expect(refused.stdout).toContain('4 would be refused again (4 UNKNOWN_SCHEMA)');
      expect(refused.stderr).toContain('REPLAY_REFUSED');
      expect(await topicEnd()).toBe(before);

      // The fix: the new version goes into the schemas folder and the worker is restarted.
      fs.copyFileSync(v2File, path.join(schemasDir, 'case-event.v2.avsc'));
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      ({ worker, url } = await runWorker());

      const replay = casepipe(env, 'dead-letters', 'replay', '--reason', 'UNKNOWN_SCHEMA');
      expect({ status: replay.status, stderr: replay.stderr }).toEqual({ status: 0, stderr: '' });
      expect(replay.stdout).toContain('4 would be counted now');
      expect(replay.stdout).toContain(`replayed 4 UNKNOWN_SCHEMA record(s) onto ${p.topics.caseEvents}`);
      expect(await topicEnd()).toBe(before + 4);
      const end = await topicEnd();
      await worker.whileRunning(waitFor('the replayed records to be counted', async () => ((await storedTotal(url)) === end ? true : undefined)));
      expect(await received_(url)).toBe(10);

      const again = casepipe(env, 'dead-letters', 'replay', '--reason', 'UNKNOWN_SCHEMA');
      expect(again.status).toBe(0);
      const end2 = await topicEnd();
      await worker.whileRunning(waitFor('the second replay to be read', async () => ((await storedTotal(url)) === end2 ? true : undefined)));
      expect(await received_(url)).toBe(10);

      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
    } finally {
      worker.child.kill('SIGKILL');
      await admin.disconnect();
      fs.rmSync(schemasDir, { recursive: true, force: true });
      fs.rmSync(withV2, { recursive: true, force: true });
      p.cleanup();
    }
  }, 240_000);
});
