/**
 * The same multiset of events, with duplicates, published in three different shuffles to fresh topics,
 * gives identical figures and identical milestone tables.
 */
import { generateMonth } from '../../services/demo/month-generator.js';
import { silentLogger } from '../../services/platform/logger.js';
import { startWorkerProcess } from '../../services/worker/worker-process.js';
import { testKafka } from '../fixtures/broker.js';
import { createCaseTopics, eventRecord, publish, shuffled, testPipeline, waitForStore } from '../fixtures/pipeline.js';

const targets = {
  fullOnlineReceived: 900,
  fullOnlineCompleted: 950,
  windowReceived: 120,
  windowDelivered: 200,
  mailed: 60,
  phoneConsultations: 80,
  onsiteConsultations: 150,
};

async function countShuffle(seed: number, events: ReturnType<typeof generateMonth>['events']) {
  const p = testPipeline(`order-${seed}`);
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  await createCaseTopics(admin, p.topics);
  await publish(kafka, p.topics.caseEvents, shuffled(events, seed).map(eventRecord), 700);
  const worker = await startWorkerProcess({ config: p.config, logger: silentLogger(), brokers: p.brokers, topics: p.topics, port: null });
  try {
    await waitForStore(admin, p.topics.caseEvents, () => worker.store.storedOffsets(p.topics.caseEvents));
    const figures = { aug: await worker.store.figures('2025-08'), jul: await worker.store.figures('2025-07'), sep: await worker.store.figures('2025-09') };
    const conn = await worker.store.connect();
    const rows = async (sql: string) => JSON.stringify((await conn.runAndReadAll(sql)).getRowsJson());
    const milestones = await rows(
      `SELECT case_id, kind, month, event_time, event_id, channel, delivery_method, department_code, department_name, item_code, source_system, partition
       FROM milestones ORDER BY case_id, kind`,
    );
    const consultations = await rows(
      `SELECT department_code, record_id, month, event_time, event_id, channel, partition FROM consultations ORDER BY department_code, record_id`,
    );
    conn.closeSync();
    return { figures, milestones, consultations };
  } finally {
    await worker.stop();
    await admin.disconnect();
    p.cleanup();
  }
}

describe('order independence', () => {
  it('gives identical figures and milestone tables for three shuffles of the same events', async () => {
    const generated = generateMonth({ month: '2025-08', seed: 7, targets });
    // Every copy twice more, so re-sends also arrive before their originals.
    const events = [...generated.events, ...generated.events.slice(0, 500)];
    const a = await countShuffle(1, events);
    const b = await countShuffle(2, events);
    const c = await countShuffle(3, events.slice().reverse());

    expect(a.figures.aug).toEqual(generated.truth.figures);
    expect(b.figures).toEqual(a.figures);
    expect(c.figures).toEqual(a.figures);
    expect(b.milestones).toEqual(a.milestones);
    expect(c.milestones).toEqual(a.milestones);
    expect(b.consultations).toEqual(a.consultations);
    expect(c.consultations).toEqual(a.consultations);
  });
});
