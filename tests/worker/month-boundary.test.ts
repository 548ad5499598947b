import type { CaseEvent } from '../../services/contract/case-event.js';
import { silentLogger } from '../../services/platform/logger.js';
import { startWorkerProcess } from '../../services/worker/worker-process.js';
import { testKafka } from '../fixtures/broker.js';
import { createCaseTopics, eventRecord, publish, testPipeline, waitForStore } from '../fixtures/pipeline.js';

const base: Omit<CaseEvent, 'eventId' | 'caseId' | 'eventTime'> = {
  kind: 'RECEIVED',
  departmentCode: 'JTYST',
  departmentName: '交通运输厅',
  itemCode: null,
  channel: 'FULL_ONLINE',
  deliveryMethod: null,
  sourceSystem: 'jtyst-approval',
  sourceRecordId: 'r',
  attributes: {},
};

describe('month boundary in China Standard Time', () => {
  it('counts 2025-08-31T15:59:59.999Z in August and 2025-08-31T16:00:00Z in September', async () => {
    const p = testPipeline('boundary');
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    await createCaseTopics(admin, p.topics, 2);
    await publish(kafka, p.topics.caseEvents, [
      eventRecord({ ...base, eventId: 'e1', caseId: 'SC-AUG-LAST', eventTime: Date.parse('2025-08-31T15:59:59.999Z') }),
      eventRecord({ ...base, eventId: 'e2', caseId: 'SC-SEP-FIRST', eventTime: Date.parse('2025-08-31T16:00:00.000Z') }),
    ]);
    const worker = await startWorkerProcess({ config: p.config, logger: silentLogger(), brokers: p.brokers, topics: p.topics, port: null });
    try {
      await waitForStore(admin, p.topics.caseEvents, () => worker.store.storedOffsets(p.topics.caseEvents));
      expect((await worker.store.figures('2025-08')).total.fullOnlineReceived).toBe(1);
      expect((await worker.store.figures('2025-09')).total.fullOnlineReceived).toBe(1);
    } finally {
      await worker.stop();
      await admin.disconnect();
      p.cleanup();
    }
  });
});
