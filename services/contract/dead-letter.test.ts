import { describe, expect, it } from '@jest/globals';
import { encodeCaseEvent } from './codec.js';
import { DLQ_HEADERS, PERSONAL_DATA_REMOVED, deadLetterMessage, parseDeadLetter } from './dead-letter.js';
import { sampleEvent } from './test-events.js';
import { validateCaseEvent } from './validate.js';

describe('dead-letter records', () => {
  const key = Buffer.from('SC20250831000123');
  const value = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]);
  const at = new Date('2025-09-01T02:03:04.005Z');

  it('keep the key and value bytes unchanged and say where and why', () => {
    const m = deadLetterMessage({
      topic: 'casepipe.case-events',
      partition: 3,
      offset: '12345',
      key,
      value,
      headers: { traceparent: Buffer.from('00-abc-01'), 'x-source': 'jtyst' },
      stage: 'decode',
      code: 'NOT_AVRO',
      message: 'value is not Avro single-object encoded',
      at,
    });
    expect(m.key).toBe(key);
    expect(m.value).toBe(value);
    expect(m.value?.equals(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]))).toBe(true);
    expect(m.headers).toEqual({
      traceparent: '00-abc-01',
      'x-source': 'jtyst',
      'casepipe.source.topic': 'casepipe.case-events',
      'casepipe.source.partition': '3',
      'casepipe.source.offset': '12345',
      'casepipe.stage': 'decode',
      'casepipe.reason': 'NOT_AVRO',
      'casepipe.message': 'value is not Avro single-object encoded',
      'casepipe.time': '2025-09-01T02:03:04.005Z',
    });
  });

  it('keep a tombstone a tombstone', () => {
    const m = deadLetterMessage({ topic: 't', partition: 0, offset: '0', key: null, value: null, stage: 'decode', code: 'EMPTY_VALUE', message: 'tombstone', at });
    expect(m.key).toBeNull();
    expect(m.value).toBeNull();
  });

  it('parse back to the source position, the reason and the original headers', () => {
    const m = deadLetterMessage({ topic: 'ce', partition: 1, offset: '7', key, value, headers: { a: 'b' }, stage: 'validate', code: 'INVALID_EVENT_TIME', message: 'too old', at });
    // as a consumer sees it: header values are Buffers
    const consumed = Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, Buffer.from(v)]));
    expect(parseDeadLetter({ key: m.key, value: m.value, headers: consumed })).toEqual({
      source: { topic: 'ce', partition: 1, offset: '7' },
      stage: 'validate',
      reason: 'INVALID_EVENT_TIME',
      message: 'too old',
      at,
      key,
      value,
      originalHeaders: { a: 'b' },
    });
  });

  it('overwrite stale casepipe headers when a replayed record fails again', () => {
    const first = deadLetterMessage({ topic: 'ce', partition: 0, offset: '1', key, value, stage: 'decode', code: 'NOT_AVRO', message: 'x', at });
    const again = deadLetterMessage({ topic: 'ce', partition: 2, offset: '9', key, value, headers: first.headers, stage: 'validate', code: 'UNKNOWN_KIND', message: 'y', at });
    expect(again.headers[DLQ_HEADERS.reason]).toBe('UNKNOWN_KIND');
    expect(again.headers[DLQ_HEADERS.sourcePartition]).toBe('2');
  });

  it('cut an over-long message', () => {
    const m = deadLetterMessage({ topic: 't', partition: 0, offset: '0', key, value, stage: 'map', code: 'INVALID_FIELD', message: 'x'.repeat(10_000), at });
    expect(m.headers[DLQ_HEADERS.message].length).toBe(2000);
  });

  it('return null for a record without the casepipe headers', () => {
    expect(parseDeadLetter({ key, value, headers: { a: 'b' } })).toBeNull();
  });
});

describe('dead letters of records with personal data', () => {
  const at = new Date('2025-09-01T02:03:04.005Z');
  const ID = '11010519491231002X';
  const MOBILE = '13812345678';
  /** Every byte the dead letter keeps, as text. */
  const everything = (m: ReturnType<typeof deadLetterMessage>): string =>
    [m.key?.toString('latin1'), m.key?.toString('utf8'), m.value?.toString('latin1'), m.value?.toString('utf8'), JSON.stringify(m.headers)].join('\n');

  it('keep a PERSONAL_DATA event as JSON without the fields that held it, and mask the key and headers', () => {
    const event = sampleEvent('RECEIVED', {
      caseId: ID,
      departmentName: '交通运输厅(联系人 138-1234-5678)',
      sourceRecordId: 'row-42',
      attributes: { 办件类型: '承诺件', [MOBILE]: '回访', 备注: `电话 +86 ${MOBILE}` },
    });
    const problem = validateCaseEvent(event, Date.UTC(2025, 8, 1))!;
    expect(problem.code).toBe('PERSONAL_DATA');
    const m = deadLetterMessage({
      topic: 'ce',
      partition: 1,
      offset: '7',
      key: Buffer.from(ID),
      value: encodeCaseEvent(event),
      headers: { 'x-contact': `tel ${MOBILE}`, traceparent: '00-abc-01' },
      stage: 'validate',
      code: problem.code,
      message: problem.message,
      at,
    });
    const text = everything(m);
    for (const secret of [ID, MOBILE, '138-1234-5678', '1234']) expect(text).not.toContain(secret);
    expect(m.key?.toString()).toBe('******************');
    expect(m.headers['x-contact']).toBe('tel ***********');
    expect(m.headers.traceparent).toBe('00-abc-01');
    expect(m.headers[DLQ_HEADERS.reason]).toBe('PERSONAL_DATA');
    expect(JSON.parse(m.value!.toString('utf8'))).toEqual({
      ...event,
      eventTime: new Date(event.eventTime).toISOString(),
      caseId: PERSONAL_DATA_REMOVED,
      departmentName: PERSONAL_DATA_REMOVED,
      attributes: { 办件类型: '承诺件', [`${PERSONAL_DATA_REMOVED} #2`]: '回访', 备注: PERSONAL_DATA_REMOVED },
    });
    const parsed = parseDeadLetter(m)!;
    expect(parsed.masked).toBe('header x-contact; key; value as JSON without caseId, departmentName, the name of attribute #2, attributes.备注');
    expect(parsed.originalHeaders).toEqual({ 'x-contact': 'tel ***********', traceparent: '00-abc-01' });
  });

  it('mask personal data in bytes that are not an event, keeping their length', () => {
    const json = Buffer.from(JSON.stringify({ caseId: 'SC1', 手机: '１３８１２３４５６７８', 身份证: ID }));
    const m = deadLetterMessage({ topic: 'ce', partition: 0, offset: '3', key: Buffer.from('SC1'), value: json, stage: 'decode', code: 'NOT_AVRO', message: 'not avro', at });
    expect(m.value!.length).toBe(json.length);
    expect(JSON.parse(m.value!.toString('utf8'))).toEqual({ caseId: 'SC1', 手机: '＊＊＊＊＊＊＊＊＊＊＊', 身份证: '******************' });
    expect(m.key?.toString()).toBe('SC1');
    expect(m.headers[DLQ_HEADERS.masked]).toBe('value');
    expect(m.headers[DLQ_HEADERS.reason]).toBe('NOT_AVRO');
  });

  it('mask ASCII digits in bytes that are not UTF-8, leaving every other byte as it was', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(` ${MOBILE} `), Buffer.from([0x80, 0x00])]);
    const m = deadLetterMessage({ topic: 'ce', partition: 0, offset: '3', key: null, value: bytes, stage: 'decode', code: 'NOT_AVRO', message: 'x', at });
    expect([...m.value!]).toEqual([...Buffer.concat([Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(' *********** '), Buffer.from([0x80, 0x00])])]);
  });

  it('mask personal data that a reason message repeats', () => {
    const m = deadLetterMessage({ topic: 'ce', partition: 0, offset: '3', key: null, value: null, stage: 'map', code: 'INVALID_FIELD', message: `bad row ${MOBILE}`, at });
    expect(m.headers[DLQ_HEADERS.message]).toBe('bad row ***********');
  });

  it('keep a clean event byte for byte, with no casepipe.masked header', () => {
    const value = encodeCaseEvent(sampleEvent('RECEIVED', { eventTime: Date.UTC(1998, 0, 1) }));
    const m = deadLetterMessage({ topic: 'ce', partition: 0, offset: '3', key: Buffer.from('SC20250831000123'), value, stage: 'validate', code: 'INVALID_EVENT_TIME', message: 'x', at });
    expect(m.value).toBe(value);
    expect(m.headers[DLQ_HEADERS.masked]).toBeUndefined();
    expect(parseDeadLetter(m)?.masked).toBeUndefined();
  });
});
