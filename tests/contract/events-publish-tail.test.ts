/**
 * `casepipe events publish` and `events tail` against the real broker: what goes in as JSONL comes
 * out decoded, keyed by case id, with the writer version; bad lines stay out; foreign bytes show up
 * with their dead-letter reason.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Admin, Kafka } from 'kafkajs';
import { deriveEventId } from '../../services/contract/event-json.js';
import { publishJsonl } from '../../services/contract/publish-jsonl.js';
import { tailEvents, type TailLine } from '../../services/contract/tail-events.js';
import { createTopics, testKafka, uniqueName } from '../fixtures/broker.js';

const jsonl = [
  { kind: 'RECEIVED', caseId: 'SC-1', departmentCode: 'JTYST', departmentName: '交通运输厅', channel: 'FULL_ONLINE', eventTime: '2025-08-31T16:30:00Z', sourceSystem: 'jtyst-approval', sourceRecordId: 'r1', itemCode: '511A0138000000-511602000000-000-115113010833722043-1-00' },
  { kind: 'COMPLETED', caseId: 'SC-1', departmentCode: 'JTYST', departmentName: '交通运输厅', channel: 'FULL_ONLINE', eventTime: '2025-09-02T08:00:00+08:00', sourceSystem: 'jtyst-approval', sourceRecordId: 'r1' },
  { kind: 'DELIVERED', caseId: 'SC-2', departmentCode: 'ZJT', departmentName: '住房城乡建设厅', channel: 'COMPREHENSIVE_WINDOW', deliveryMethod: 'MAIL', eventTime: 1756700000000, sourceSystem: 'comprehensive-window', sourceRecordId: 'w9', eventId: 'cw-w9-d' },
  { kind: 'DELIVERED', caseId: 'SC-3', departmentCode: 'ZJT', departmentName: '住房城乡建设厅', channel: 'COMPREHENSIVE_WINDOW', eventTime: 1756700000000, sourceSystem: 'comprehensive-window', sourceRecordId: 'w10' },
  { kind: 'CONSULTED', caseId: 'ZX-7', departmentCode: 'JTYST', departmentName: '交通运输厅', channel: 'ONSITE', eventTime: '2025-09-01T09:00:00+08:00', sourceSystem: 'help-desk', sourceRecordId: 'c7', attributes: { 咨询主题: '驾驶证' } },
]
  .map((o) => JSON.stringify(o))
  .join('\n');

let kafka: Kafka;
let admin: Admin;
let topic: string;

beforeAll(async () => {
  kafka = testKafka('casepipe-test-events');
  admin = kafka.admin();
  await admin.connect();
  topic = uniqueName('case-events-cli');
  await createTopics(admin, [{ topic, numPartitions: 3 }]);
});

afterAll(async () => {
  await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin?.disconnect();
});

describe('events publish and tail', () => {
  it('publishes valid lines keyed by case id, reports the bad one, and tail decodes them all', async () => {
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const summary = await publishJsonl(jsonl, { sender: producer, topic, now: () => Date.UTC(2025, 8, 3) });
      expect(summary.bad).toEqual([{ line: 4, code: 'MISSING_DELIVERY_METHOD', message: expect.stringContaining('SC-3') }]);
      expect(summary.published).toBe(4);
      // bytes that are not an event: tail shows them with their reason
      await producer.send({ topic, messages: [{ key: 'junk', value: Buffer.from('{"caseId":"SC-9"}') }] });
    } finally {
      await producer.disconnect();
    }

    const lines: TailLine[] = [];
    const n = await tailEvents({ kafka, topic, fromBeginning: true, max: 5, onLine: (l) => lines.push(l) });
    expect(n).toBe(5);

    const events = lines.filter((l) => l.event);
    expect(events.map((l) => l.event?.caseId).sort()).toEqual(['SC-1', 'SC-1', 'SC-2', 'ZX-7']);
    for (const l of events) {
      expect(l.writerVersion).toBe(1);
      expect(l.key).toBe(l.event?.caseId);
    }
    // one case, one partition
    const sc1 = events.filter((l) => l.key === 'SC-1');
    expect(new Set(sc1.map((l) => l.partition)).size).toBe(1);

    const received = events.find((l) => l.event?.kind === 'RECEIVED')?.event;
    expect(received).toMatchObject({
      eventTime: '2025-08-31T16:30:00.000Z',
      eventId: deriveEventId('jtyst-approval', 'r1', 'RECEIVED'),
      itemCode: '511A0138000000-511602000000-000-115113010833722043-1-00',
      deliveryMethod: null,
    });
    expect(events.find((l) => l.event?.kind === 'DELIVERED')?.event).toMatchObject({ eventId: 'cw-w9-d', deliveryMethod: 'MAIL', eventTime: new Date(1756700000000).toISOString() });
    expect(events.find((l) => l.event?.kind === 'CONSULTED')?.event).toMatchObject({ attributes: { 咨询主题: '驾驶证' }, channel: 'ONSITE' });

    expect(lines.filter((l) => l.error)).toEqual([{ partition: expect.any(Number), offset: expect.any(String), key: 'junk', error: { code: 'NOT_AVRO', message: expect.any(String) } }]);
  });

  it('filters tail by department code or name', async () => {
    const byCode: TailLine[] = [];
    await tailEvents({ kafka, topic, fromBeginning: true, department: 'ZJT', max: 2, onLine: (l) => byCode.push(l) });
    // the NOT_AVRO record is always shown; the only ZJT event is SC-2
    expect(byCode.map((l) => l.event?.caseId ?? l.error?.code).sort()).toEqual(['NOT_AVRO', 'SC-2']);

    const byName: TailLine[] = [];
    await tailEvents({ kafka, topic, fromBeginning: true, department: '交通运输厅', max: 4, onLine: (l) => byName.push(l) });
    expect(byName.filter((l) => l.event).map((l) => l.event?.kind).sort()).toEqual(['COMPLETED', 'CONSULTED', 'RECEIVED']);
  });
});
