import { checkCaseEventRecord, keyIs } from './check-record.js';
import { encodeCaseEvent } from './codec.js';
import type { CaseEvent } from './case-event.js';

const event: CaseEvent = {
  eventId: 'e1', kind: 'RECEIVED', caseId: 'SC-案-1', departmentCode: 'MZT', departmentName: '民政厅', itemCode: null, channel: 'FULL_ONLINE',
  deliveryMethod: null, eventTime: Date.parse('2025-08-10T02:00:00Z'), sourceSystem: 'mzt', sourceRecordId: 'r1', attributes: {},
};
const at = Date.parse('2025-08-10T03:00:00Z');

describe('checkCaseEventRecord', () => {
  it('accepts a record keyed by its caseId (UTF-8 bytes)', () => {
    expect(checkCaseEventRecord({ key: Buffer.from('SC-案-1'), value: encodeCaseEvent(event), timestampMs: at })).toEqual({ ok: true, event });
  });

  it('refuses a record keyed otherwise, or without a key, with KEY_MISMATCH at stage validate, not echoing the key', () => {
    for (const key of [Buffer.from('SC-案-2'), Buffer.from('SC-案-1 '), Buffer.from('sc-案-1'), Buffer.alloc(0), null]) {
      const check = checkCaseEventRecord({ key, value: encodeCaseEvent(event), timestampMs: at });
      expect(check).toMatchObject({ ok: false, stage: 'validate', code: 'KEY_MISMATCH', departmentCode: 'MZT' });
      if (!check.ok && key && key.length > 0) expect(check.message).not.toContain(key.toString());
    }
  });

  it('reports a broken rule before the key, and undecodable bytes at stage decode', () => {
    const bad = encodeCaseEvent({ ...event, caseId: '' });
    expect(checkCaseEventRecord({ key: Buffer.from('x'), value: bad, timestampMs: at })).toMatchObject({ ok: false, stage: 'validate', code: 'INVALID_CASE_ID' });
    expect(checkCaseEventRecord({ key: Buffer.from('x'), value: Buffer.from('{}'), timestampMs: at })).toMatchObject({ ok: false, stage: 'decode', code: 'NOT_AVRO', departmentCode: null });
  });

  it('compares the key with the caseId byte for byte, ASCII in place and anything else through UTF-8', () => {
    expect(keyIs(Buffer.from('SC2025-1'), 'SC2025-1')).toBe(true);
    expect(keyIs(Buffer.from('SC2025-2'), 'SC2025-1')).toBe(false);
    expect(keyIs(Buffer.from('SC2025-'), 'SC2025-1')).toBe(false);
    expect(keyIs(Buffer.from('SC-案-1'), 'SC-案-1')).toBe(true);
    expect(keyIs(Buffer.from('SC-案-2'), 'SC-案-1')).toBe(false);
    // Same length in UTF-16 units and in bytes, but not the same text.
    expect(keyIs(Buffer.from('é'), 'ab')).toBe(false);
    expect(keyIs(Buffer.from([0x61, 0xc3]), 'aé')).toBe(false);
    expect(keyIs(Buffer.from('aé'), 'aé')).toBe(true);
    expect(keyIs(Buffer.from('Ａ'), 'Ａ')).toBe(true);
    expect(keyIs(Buffer.alloc(0), '')).toBe(true);
    expect(keyIs(null, 'x')).toBe(false);
  });
});
