/**
 * Personal data through the real worker and broker: events with a 身份证号 or a mobile number in any
 * text field are not counted, go to the dead-letter topic as PERSONAL_DATA with the personal data
 * masked, and neither the dead letter, the live store nor the logs hold the value.
 */
import { Writable } from 'node:stream';
import type { CaseEvent } from '../../services/contract/case-event.js';
import { encodeCaseEvent } from '../../services/contract/codec.js';
import { DLQ_HEADERS } from '../../services/contract/dead-letter.js';
import { createLogger } from '../../services/platform/logger.js';
import { startWorkerProcess } from '../../services/worker/worker-process.js';
import { testKafka, uniqueName } from '../fixtures/broker.js';
import { createCaseTopics, publish, testPipeline, waitForStore, type RawRecord } from '../fixtures/pipeline.js';

const ID = '11010519491231002X';
const MOBILE_DIGITS = '13812345678';

const event = (i: number, patch: Partial<CaseEvent> = {}): CaseEvent => ({
  eventId: `pd-${i}`,
  kind: 'RECEIVED',
  caseId: `SC20250810MZT${String(i).padStart(6, '0')}`,
  departmentCode: 'MZT',
  departmentName: '民政厅',
  itemCode: '511A0138000000-511602000000-000-115113010833722043-1-00',
  channel: 'FULL_ONLINE',
  deliveryMethod: null,
  eventTime: Date.parse('2025-08-10T02:00:00Z') + i * 1000,
  sourceSystem: 'mzt-approval',
  sourceRecordId: `r${i}`,
  attributes: {},
  ...patch,
});

describe('personal data in case events', () => {
  it('is dead-lettered as PERSONAL_DATA, masked, and kept out of the store and the logs', async () => {
    const p = testPipeline('personal-data');
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    await createCaseTopics(admin, p.topics, 1);
    const personal: CaseEvent[] = [
      event(1, { caseId: ID }),
      event(2, { departmentCode: MOBILE_DIGITS }),
      event(3, { sourceRecordId: `row-${ID}` }),
      event(4, { departmentName: '民政厅 138-1234-5678' }),
      event(5, { attributes: { 备注: '联系 +86 138 1234 5678' } }),
      event(6, { attributes: { [MOBILE_DIGITS]: '回访' } }),
      event(7, { caseId: 'SQ110105491231002' }),
    ];
    const goods = [event(10), event(11, { caseId: '20250831123456789012' }), event(12, { attributes: { 统一社会信用代码: '115113010833722043' } })];
    const records: RawRecord[] = [...personal, ...goods].map((e) => ({ key: e.caseId, value: encodeCaseEvent(e) }));
    await publish(kafka, p.topics.caseEvents, records);

    const logs: string[] = [];
    const logger = createLogger({ level: 'debug' }, new Writable({ write: (chunk, _enc, cb) => (logs.push(String(chunk)), cb()) }));
    const worker = await startWorkerProcess({ config: p.config, logger, brokers: p.brokers, topics: p.topics, port: null });
    try {
      await waitForStore(admin, p.topics.caseEvents, () => worker.store.storedOffsets(p.topics.caseEvents));
      expect((await worker.store.figures('2025-08')).total.fullOnlineReceived).toBe(goods.length);

      const conn = await worker.store.connect();
      const stored = [
        ...(await conn.runAndReadAll(`SELECT * FROM quality_counts`)).getRows(),
        ...(await conn.runAndReadAll(`SELECT * FROM milestones`)).getRows(),
      ].join('\n');
      conn.closeSync();
      expect(stored).not.toContain(MOBILE_DIGITS);
      expect(stored).not.toContain(ID.slice(0, 17));

      const consumer = kafka.consumer({ groupId: uniqueName('dlq-reader') });
      await consumer.connect();
      await consumer.subscribe({ topic: p.topics.deadLetters, fromBeginning: true });
      const dead: { key: string; value: string; headers: Record<string, string> }[] = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${dead.length} of ${personal.length} dead letters arrived`)), 30_000);
        consumer
          .run({
            eachMessage: async ({ message }) => {
              const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
              dead.push({ key: message.key?.toString() ?? '', value: message.value?.toString('utf8') ?? '', headers });
              if (dead.length === personal.length) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
      await consumer.disconnect();

      const secrets = [ID.slice(0, 17), '110105491231002', MOBILE_DIGITS, '1234-5678', '1234 5678'];
      const everything = JSON.stringify(dead) + logs.join('');
      for (const s of secrets) expect(everything).not.toContain(s);
      for (const d of dead) {
        expect(d.headers[DLQ_HEADERS.reason]).toBe('PERSONAL_DATA');
        expect(d.headers[DLQ_HEADERS.masked]).toMatch(/^(key; )?value as JSON without /);
        expect(JSON.parse(d.value).eventId).toMatch(/^pd-\d$/);
      }
      expect(dead.map((d) => d.headers[DLQ_HEADERS.message].split(' holds')[0]).sort()).toEqual(
        ['caseId', 'caseId', 'departmentCode', 'departmentName', 'sourceRecordId', 'attribute 备注', 'the name of attribute #1'].sort(),
      );
      expect(logs.filter((l) => l.includes('PERSONAL_DATA')).length).toBe(personal.length);
    } finally {
      await worker.stop();
      await admin.disconnect();
      p.cleanup();
    }
  });
});
