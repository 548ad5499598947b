import { encodeCaseEvent } from '../contract/codec.js';
import type { CaseEvent } from '../contract/case-event.js';
import { assertKnownReason, planReplay, uniqueDeadLetters, type DeadLetterRecord } from './dead-letters.js';

const event: CaseEvent = {
  eventId: 'e1', kind: 'RECEIVED', caseId: 'SC-1', departmentCode: 'MZT', departmentName: '民政厅', itemCode: null, channel: 'FULL_ONLINE',
  deliveryMethod: null, eventTime: Date.parse('2025-08-10T02:00:00Z'), sourceSystem: 'mzt', sourceRecordId: 'r1', attributes: {},
};

function dead(sourceOffset: string, dlqOffset: string, value: Buffer | null = Buffer.from('x'), key = 'SC-1'): DeadLetterRecord {
  return {
    source: { topic: 't', partition: 0, offset: sourceOffset }, stage: 'decode', reason: 'NOT_AVRO', message: '', at: new Date(0),
    key: Buffer.from(key), value, originalHeaders: {}, masked: undefined, dlq: { partition: 0, offset: dlqOffset },
  };
}

describe('dead letters', () => {
  it('never replays a record kept with its personal data masked', () => {
    const masked = { ...dead('4', '4', encodeCaseEvent(event)), masked: 'value as JSON without attributes.备注' };
    const plan = planReplay([masked], Date.parse('2025-08-11T00:00:00Z'));
    expect(plan).toEqual({ send: [], failAgain: [], masked: [masked] });
  });

  it('keep one copy per source (topic, partition, offset): the earliest on the dead-letter topic', () => {
    const { records, copies } = uniqueDeadLetters([dead('7', '10'), dead('5', '2'), dead('7', '9'), dead('5', '11'), dead('70', '3')]);
    expect(records.map((r) => `${r.source.offset}@${r.dlq.offset}`)).toEqual(['5@2', '70@3', '7@9']);
    expect(copies).toBe(2);
  });

  it('a replay sends what would be counted now and holds back what would be refused again', () => {
    const good = dead('1', '1', encodeCaseEvent(event));
    const stillBad = dead('2', '2', Buffer.from('not avro'));
    const wrongKey = dead('3', '3', encodeCaseEvent(event), 'SC-2');
    const plan = planReplay([good, stillBad, wrongKey], Date.parse('2025-08-11T00:00:00Z'));
    expect(plan.send).toEqual([good]);
    expect(plan.masked).toEqual([]);
    expect(plan.failAgain.map((f) => [f.record.source.offset, f.code])).toEqual([['2', 'NOT_AVRO'], ['3', 'KEY_MISMATCH']]);
  });

  it('an unknown reason is an error; a known one, or one found on the topic, is not', () => {
    expect(() => assertKnownReason('NOT_AVR', new Set(['NOT_AVRO']))).toThrow(/unknown dead-letter reason "NOT_AVR"; the reasons are EMPTY_VALUE, NOT_AVRO/);
    expect(() => assertKnownReason('KEY_MISMATCH', new Set())).not.toThrow();
    expect(() => assertKnownReason('MAP_FAILED', new Set(['MAP_FAILED']))).not.toThrow();
  });
});
