import { describe, expect, it } from '@jest/globals';
import type { CaseEvent } from './case-event.js';
import { sampleEvent } from './test-events.js';
import { deadLetterDepartment, textOk, validateCaseEvent } from './validate.js';

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

describe('personal data in a case event', () => {
  const ID = '11010519491231002X';
  const MOBILE = '13812345678';
  it.each<[string, Partial<CaseEvent>, string]>([
    ['a 身份证号 as caseId', { caseId: ID }, 'caseId'],
    ['a 15-digit ID number in caseId', { caseId: 'SQ110105491231002' }, 'caseId'],
    ['a mobile number in eventId', { eventId: `evt-${MOBILE}` }, 'eventId'],
    ['a mobile number as department code', { departmentCode: MOBILE }, 'departmentCode'],
    ['a mobile number in departmentName', { departmentName: `交通运输厅(联系人 138-1234-5678)` }, 'departmentName'],
    ['an ID number in itemCode', { itemCode: `511A0138000000-${ID}` }, 'itemCode'],
    ['a mobile number in sourceSystem', { sourceSystem: `sms-+8613812345678` }, 'sourceSystem'],
    ['an ID number in sourceRecordId', { sourceRecordId: `row-${ID}` }, 'sourceRecordId'],
    ['a mobile number as an attribute name', { attributes: { 办件类型: '承诺件', [MOBILE]: '回访' } }, 'attributes'],
    ['a mobile number in an attribute value', { attributes: { contact: '+86 138 1234 5678' } }, 'attributes.contact'],
    ['full-width digits in an attribute value', { attributes: { 备注: '电话１３８１２３４５６７８' } }, 'attributes.备注'],
    ['an ID number inside attribute text', { attributes: { 备注: `申请人身份证${ID}已核验` } }, 'attributes.备注'],
  ])('refuses %s with PERSONAL_DATA naming the field, not the value', (_what, overrides, field) => {
    const p = check(overrides);
    expect(p).toMatchObject({ code: 'PERSONAL_DATA', field });
    expect(p?.message).not.toMatch(/\d{4}|[０-９]{4}/);
    expect(p?.message).toMatch(/身份证号|手机号/);
  });

  it('gives a recurring item code the same verdict every time (item codes are judged once, then remembered)', () => {
    const clean = '511A0138000000-511602000000-000-115113010833722043-1-00';
    const personal = `511A0138000000-${ID}-1-00`;
    for (let round = 0; round < 3; round++) {
      expect(check({ itemCode: clean })).toBeNull();
      expect(check({ itemCode: personal })).toMatchObject({ code: 'PERSONAL_DATA', field: 'itemCode' });
      expect(check({ itemCode: `${clean}-${round}`, sourceRecordId: `row-${MOBILE}` })).toMatchObject({ field: 'sourceRecordId' });
    }
  });

  it('looks for personal data before any other rule, so no other message can repeat it', () => {
    expect(check({ caseId: ID, eventTime: Number.NaN, channel: 'PHONE' })).toMatchObject({ code: 'PERSONAL_DATA', field: 'caseId' });
  });

  it('names an attribute whose name is the personal data by its position', () => {
    expect(check({ attributes: { a: 'x', [MOBILE]: 'y' } })?.message).toMatch(/^the name of attribute #2 holds personal data/);
  });

  it('passes the identifiers departments really use', () => {
    expect(check({ caseId: '20250831123456789012', sourceRecordId: '511602202508310001', attributes: { 统一社会信用代码: '115113010833722043' } })).toBeNull();
  });

  it('counts the dead letter under no department when the department code is the personal data', () => {
    const event = sampleEvent('RECEIVED', { departmentCode: MOBILE });
    expect(deadLetterDepartment(event, validateCaseEvent(event, INGESTED)!)).toBeNull();
    const late = sampleEvent('RECEIVED', { eventTime: Date.UTC(1998, 0, 1) });
    expect(deadLetterDepartment(late, validateCaseEvent(late, INGESTED)!)).toBe('JTYST');
  });
});

describe('attribute names a reader would drop, and where a refused event is counted', () => {
  it('refuses an attribute named __proto__', () => {
    const attributes = JSON.parse('{"__proto__": "x"}') as Record<string, string>;
    expect(Object.keys(attributes)).toEqual(['__proto__']);
    expect(check({ attributes })).toMatchObject({ code: 'INVALID_FIELD', field: 'attributes', message: expect.stringContaining('__proto__ is not allowed') });
  });

  it('counts a dead letter under its department unless the department code is the personal data', () => {
    const event = sampleEvent('RECEIVED');
    const personal = (field: string) => ({ code: 'PERSONAL_DATA' as const, field, message: 'm' });
    expect(deadLetterDepartment(event, personal('departmentCode'))).toBeNull();
    expect(deadLetterDepartment(event, personal('attributes.备注'))).toBe(event.departmentCode);
    expect(deadLetterDepartment(event, { code: 'INVALID_DEPARTMENT', field: 'departmentCode', message: 'm' })).toBe(event.departmentCode);
  });
});

describe('textOk, the allocation-free text check', () => {
  // The rule as it was first written (trim and a regular expression); textOk must agree with it.
  const reference = (value: string, max: number) =>
    value.trim().length > 0 && value.length <= max && !/[\u0000-\u001f\u007f]/.test(value) && value === value.trim();

  it('agrees with the trim-based rule on every kind of white space, control character and length', () => {
    const spaces = [' ', '\t', '\n', '\v', '\f', '\r', '\u00a0', '\u1680', '\u2000', '\u2005', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff'];
    const others = ['\u0085', '\u180e', '\u200b', '\u0000', '\u001f', '\u007f', '\u0080', 'a', '案', '１'];
    const samples = ['', 'SC2025-1', '交通运输厅', 'x'.repeat(8), 'x'.repeat(9)];
    for (const c of [...spaces, ...others]) samples.push(c, `${c}a`, `a${c}`, `a${c}b`, `${c}${c}`);
    let refused = 0;
    for (const s of samples) {
      expect([s, textOk(s, 8)]).toEqual([s, reference(s, 8)]);
      if (!reference(s, 8)) refused++;
    }
    expect(refused).toBeGreaterThan(spaces.length * 3);
    expect(textOk(null, 8)).toBe(false);
    expect(textOk(12, 8)).toBe(false);
  });
});
