/**
 * Poison: corrupt bytes, an unknown fingerprint, a truncated body, an empty value and each validation
 * reason end up in the dead-letter topic byte-identical with the right reason header; every good event
 * after them is counted; the worker keeps running. With the records judged on the record-check thread
 * and on the worker's own thread.
 */
import type { CaseEvent } from '../../services/contract/case-event.js';
import { encodeCaseEvent } from '../../services/contract/codec.js';
import { DLQ_HEADERS } from '../../services/contract/dead-letter.js';
import { silentLogger } from '../../services/platform/logger.js';
import { startWorkerProcess } from '../../services/worker/worker-process.js';
import { testKafka, uniqueName } from '../fixtures/broker.js';
import { createCaseTopics, publish, testPipeline, waitForStore, type RawRecord } from '../fixtures/pipeline.js';

const good = (i: number): CaseEvent => ({
  eventId: `good-${i}`,
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
});

/** Each bad record, its reason, and the stage that refuses it (decoding the bytes, or validating the event). */
function poison(): { record: RawRecord; reason: string; stage: 'decode' | 'validate' }[] {
  const valid = encodeCaseEvent(good(9999));
  const unknownFingerprint = Buffer.from(valid);
  for (let i = 2; i < 10; i++) unknownFingerprint[i] ^= 0xff;
  const bad = (patch: Partial<CaseEvent>) => encodeCaseEvent({ ...good(8000), eventId: uniqueName('bad'), ...patch });
  return [
    { record: { key: 'k-not-avro', value: Buffer.from('办件编号,受理时间\nSC1,2025-08-01') }, reason: 'NOT_AVRO', stage: 'decode' },
    { record: { key: 'k-unknown', value: unknownFingerprint }, reason: 'UNKNOWN_SCHEMA', stage: 'decode' },
    { record: { key: 'k-truncated', value: valid.subarray(0, valid.length - 20) }, reason: 'DECODE_FAILED', stage: 'decode' },
    { record: { key: 'k-empty', value: null }, reason: 'EMPTY_VALUE', stage: 'decode' },
    { record: { key: 'k-case', value: bad({ caseId: '' }) }, reason: 'INVALID_CASE_ID', stage: 'validate' },
    { record: { key: 'k-time', value: bad({ eventTime: Date.parse('1999-12-31T00:00:00Z') }) }, reason: 'INVALID_EVENT_TIME', stage: 'validate' },
    { record: { key: 'k-method', value: bad({ kind: 'DELIVERED', deliveryMethod: null }) }, reason: 'MISSING_DELIVERY_METHOD', stage: 'validate' },
    { record: { key: 'k-channel', value: bad({ kind: 'CONSULTED', channel: 'FULL_ONLINE' }) }, reason: 'INVALID_CHANNEL_FOR_KIND', stage: 'validate' },
    { record: { key: 'k-kind', value: bad({ kind: 'UNKNOWN' }) }, reason: 'UNKNOWN_KIND', stage: 'validate' },
  ];
}

// Both places a worker can judge records: its record-check thread (the default) and its own thread.
describe.each(['thread', 'inline'])('poison records (record check: %s)', (recordCheck) => {
  it('dead-letters each bad record byte-identical with its reason and counts every good one', async () => {
    const p = testPipeline('poison', { CASEPIPE_RECORD_CHECK: recordCheck });
    expect(p.config.recordCheck).toBe(recordCheck);
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    await createCaseTopics(admin, p.topics, 1); // one partition: the poison sits between good events
    const bads = poison();
    const records: RawRecord[] = [];
    let goods = 0;
    for (const b of bads) {
      records.push({ key: good(goods).caseId, value: encodeCaseEvent(good(goods++)) });
      records.push(b.record);
    }
    for (let i = 0; i < 50; i++) records.push({ key: good(goods).caseId, value: encodeCaseEvent(good(goods++)) });
    await publish(kafka, p.topics.caseEvents, records);

    const worker = await startWorkerProcess({ config: p.config, logger: silentLogger(), brokers: p.brokers, topics: p.topics, port: null });
    try {
      await waitForStore(admin, p.topics.caseEvents, () => worker.store.storedOffsets(p.topics.caseEvents));
      expect((await worker.store.figures('2025-08')).total.fullOnlineReceived).toBe(goods);
      expect(worker.worker.ready).toBe(true);

      const consumer = kafka.consumer({ groupId: uniqueName('dlq-reader') });
      await consumer.connect();
      await consumer.subscribe({ topic: p.topics.deadLetters, fromBeginning: true });
      const dead: { key: string | null; value: Buffer | null; headers: Record<string, string> }[] = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${dead.length} of ${bads.length} dead letters arrived`)), 30_000);
        consumer
          .run({
            eachMessage: async ({ message }) => {
              const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
              dead.push({ key: message.key?.toString() ?? null, value: message.value, headers });
              if (dead.length === bads.length) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
      await consumer.disconnect();

      // On the one partition, bad record i sits at offset 2i + 1, after good record i.
      expect(bads.map((b) => b.record.key)).toEqual(['k-not-avro', 'k-unknown', 'k-truncated', 'k-empty', 'k-case', 'k-time', 'k-method', 'k-channel', 'k-kind']);
      const expectedOffsets = ['1', '3', '5', '7', '9', '11', '13', '15', '17'];
      for (const [i, b] of bads.entries()) {
        const d = dead.find((x) => x.key === b.record.key);
        expect({ key: b.record.key, reason: d?.headers[DLQ_HEADERS.reason], offset: d?.headers[DLQ_HEADERS.sourceOffset], stage: d?.headers[DLQ_HEADERS.stage] }).toEqual({
          key: b.record.key,
          reason: b.reason,
          offset: expectedOffsets[i],
          stage: b.stage,
        });
        if (b.record.value === null) expect(d!.value === null || d!.value.length === 0).toBe(true);
        else expect(Buffer.compare(d!.value!, b.record.value)).toBe(0);
        expect(d!.headers[DLQ_HEADERS.sourceTopic]).toBe(p.topics.caseEvents);
        expect(d!.headers[DLQ_HEADERS.sourcePartition]).toBe('0');
        expect(d!.headers[DLQ_HEADERS.message].length).toBeGreaterThan(0);
      }
      // The dead letters are in the order of their source offsets.
      expect(dead.map((d) => d.headers[DLQ_HEADERS.sourceOffset])).toEqual(expectedOffsets);
    } finally {
      await worker.stop();
      await admin.disconnect();
      p.cleanup();
    }
  });
});
