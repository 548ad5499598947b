import { describe, expect, it } from '@jest/globals';
import { DLQ_HEADERS, deadLetterMessage, parseDeadLetter } from './dead-letter.js';

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
