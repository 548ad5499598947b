import { describe, expect, it } from '@jest/globals';
import type { CaseEvent } from './case-event.js';
import { sampleEvent } from './test-events.js';
import { personalDataKind, validateCaseEvent } from './validate.js';

const INGESTED = Date.UTC(2025, 8, 1, 2, 0); // 2025-09-01T02:00Z
const DAY = 24 * 60 * 60 * 1000;
const check = (overrides: Partial<CaseEvent>, kind: Parameters<typeof sampleEvent>[0] = 'RECEIVED') =>
  validateCaseEvent(sampleEvent(kind, overrides), INGESTED);

describe('validateCaseEvent', () => {
  it.each(['RECEIVED', 'COMPLETED', 'DELIVERED', 'CONSULTED'] as const)('accepts a good %s event', (kind) => {
    expect(validateCaseEvent(sampleEvent(kind), INGESTED)).toBeNull();
  });

  it.each<[string, Partial<CaseEvent>, string, string]>([
    ['empty case id', { caseId: '' }, 'INVALID_CASE_ID', 'caseId'],
    ['blank case id', { caseId: '   ' }, 'INVALID_CASE_ID', 'caseId'],
    ['over-long case id', { caseId: 'X'.repeat(129) }, 'INVALID_CASE_ID', 'caseId'],
    ['case id with a newline', { caseId: 'SC1\n' }, 'INVALID_CASE_ID', 'caseId'],
    ['empty event id', { eventId: '' }, 'INVALID_EVENT_ID', 'eventId'],
    ['empty department code', { departmentCode: '' }, 'INVALID_DEPARTMENT', 'departmentCode'],
    ['department code with spaces inside', { departmentCode: 'JT YST' }, 'INVALID_DEPARTMENT', 'departmentCode'],
    ['empty department name', { departmentName: '' }, 'INVALID_DEPARTMENT', 'departmentName'],
    ['event time in 1999', { eventTime: Date.UTC(1999, 11, 31, 15, 59) }, 'INVALID_EVENT_TIME', 'eventTime'],
    ['event time over a day after ingestion', { eventTime: INGESTED + DAY + 1 }, 'INVALID_EVENT_TIME', 'eventTime'],
    ['fractional event time', { eventTime: 1.5e12 + 0.5 }, 'INVALID_EVENT_TIME', 'eventTime'],
    ['NaN event time', { eventTime: Number.NaN }, 'INVALID_EVENT_TIME', 'eventTime'],
    ['kind a newer writer added', { kind: 'UNKNOWN' }, 'UNKNOWN_KIND', 'kind'],
    ['received by phone', { channel: 'PHONE' }, 'INVALID_CHANNEL_FOR_KIND', 'channel'],
    ['received on site', { channel: 'ONSITE' }, 'INVALID_CHANNEL_FOR_KIND', 'channel'],
    ['delivery method on a received event', { deliveryMethod: 'MAIL' }, 'INVALID_FIELD', 'deliveryMethod'],
    ['empty item code (null is the way to say none)', { itemCode: '' }, 'INVALID_FIELD', 'itemCode'],
    ['empty source system', { sourceSystem: '' }, 'INVALID_FIELD', 'sourceSystem'],
    ['empty source record id', { sourceRecordId: '' }, 'INVALID_FIELD', 'sourceRecordId'],
    ['a mobile number in an attribute', { attributes: { contact: '13912345678' } }, 'INVALID_FIELD', 'attributes.contact'],
    ['a 身份证号 in an attribute', { attributes: { sfz: '11010519491231002X' } }, 'INVALID_FIELD', 'attributes.sfz'],
    ['too many attributes', { attributes: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) }, 'INVALID_FIELD', 'attributes'],
  ])('rejects %s', (_what, overrides, code, fieldName) => {
    const p = check(overrides);
    expect(p).toMatchObject({ code, field: fieldName });
    expect(p?.message).toContain('case "');
  });

  it('accepts an event time exactly at the limits', () => {
    expect(check({ eventTime: Date.UTC(1999, 11, 31, 16, 0) })).toBeNull(); // 2000-01-01 00:00 CST
    expect(check({ eventTime: INGESTED + DAY })).toBeNull();
  });

  it('requires a delivery method on DELIVERED', () => {
    expect(validateCaseEvent(sampleEvent('DELIVERED', { deliveryMethod: null }), INGESTED)).toMatchObject({ code: 'MISSING_DELIVERY_METHOD', field: 'deliveryMethod' });
  });

  it('allows consultations only by PHONE, ONSITE or OTHER', () => {
    for (const channel of ['PHONE', 'ONSITE', 'OTHER'] as const) expect(validateCaseEvent(sampleEvent('CONSULTED', { channel }), INGESTED)).toBeNull();
    for (const channel of ['FULL_ONLINE', 'COMPREHENSIVE_WINDOW', 'DEPARTMENT_WINDOW'] as const) {
      expect(validateCaseEvent(sampleEvent('CONSULTED', { channel }), INGESTED)).toMatchObject({ code: 'INVALID_CHANNEL_FOR_KIND' });
    }
  });

  it('names the event and the reason in the message', () => {
    expect(check({ eventTime: Date.UTC(1998, 0, 1) })?.message).toBe(
      'event "evt-received-0001" (case "SC20250831000123"): eventTime 1998-01-01T00:00:00.000Z is before 2000-01-01 (CST)',
    );
  });
});

describe('personalDataKind', () => {
  it('spots a 身份证号 only when its check character is right', () => {
    expect(personalDataKind('11010519491231002X')).toBe('身份证号');
    expect(personalDataKind('110105194912310021')).toBeNull();
  });
  it('spots whole mobile numbers, not longer digit runs', () => {
    expect(personalDataKind('13912345678')).toBe('mobile number');
    expect(personalDataKind('12912345678')).toBeNull();
    expect(personalDataKind('139123456789')).toBeNull();
  });
});
