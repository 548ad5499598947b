/**
 * The contract's rules at their edges: every length limit exactly at the limit (accepted) and one past
 * it (refused, with the event, the field and the reason named), the order of the checks, and the
 * channels and delivery methods that are valid but count in no figure (OTHER).
 * The limits are written out here, not read from LIMITS: a changed limit must fail a test.
 */
import { describe, expect, it } from '@jest/globals';
import type { CaseEvent } from './case-event.js';
import { sampleEvent } from './test-events.js';
import { validateCaseEvent } from './validate.js';

const INGESTED = Date.UTC(2025, 8, 1, 2, 0); // 2025-09-01T02:00Z
const WHO = 'event "evt-received-0001" (case "SC20250831000123")';
const check = (overrides: Partial<CaseEvent>, kind: Parameters<typeof sampleEvent>[0] = 'RECEIVED') =>
  validateCaseEvent(sampleEvent(kind, overrides), INGESTED);
const text = (n: number, c = 'a') => c.repeat(n);

describe('validateCaseEvent at every length limit', () => {
  it.each<[keyof CaseEvent, number, string]>([
    ['eventId', 128, 'INVALID_EVENT_ID'],
    ['caseId', 128, 'INVALID_CASE_ID'],
    ['departmentCode', 64, 'INVALID_DEPARTMENT'],
    ['departmentName', 128, 'INVALID_DEPARTMENT'],
    ['itemCode', 128, 'INVALID_FIELD'],
    ['sourceSystem', 64, 'INVALID_FIELD'],
    ['sourceRecordId', 256, 'INVALID_FIELD'],
  ])('%s: %i characters pass, one more is refused', (field, limit, code) => {
    expect(check({ [field]: text(limit) })).toBeNull();
    const p = check({ [field]: text(limit + 1) });
    expect(p).toMatchObject({ code, field });
    const who = field === 'eventId' || field === 'caseId' ? `event ${JSON.stringify(field === 'eventId' ? text(limit + 1) : 'evt-received-0001')} (case ${JSON.stringify(field === 'caseId' ? text(limit + 1) : 'SC20250831000123')})` : WHO;
    const hint = field === 'itemCode' ? ' (use null when the source has none)' : '';
    expect(p?.message).toBe(`${who}: ${field} is ${limit + 1} characters long, at most ${limit} allowed${hint}`);
  });

  it('takes 32 attributes and refuses 33', () => {
    const attrs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    expect(check({ attributes: attrs(32) })).toBeNull();
    expect(check({ attributes: attrs(33) })).toEqual({ code: 'INVALID_FIELD', field: 'attributes', message: `${WHO}: 33 attributes, at most 32 allowed` });
  });

  it('takes an attribute name of 1 to 64 characters', () => {
    expect(check({ attributes: { k: 'v' } })).toBeNull();
    expect(check({ attributes: { [text(64, 'k')]: 'v' } })).toBeNull();
    expect(check({ attributes: { [text(65, 'k')]: 'v' } })).toEqual({
      code: 'INVALID_FIELD',
      field: 'attributes',
      message: `${WHO}: attribute name "${text(65, 'k')}" must be 1 to 64 characters`,
    });
    // A long name is quoted to its first 80 characters.
    expect(check({ attributes: { [text(100, 'k')]: 'v' } })?.message).toBe(`${WHO}: attribute name "${text(80, 'k')}" must be 1 to 64 characters`);
    expect(check({ attributes: { '': 'v' } })).toMatchObject({ code: 'INVALID_FIELD', field: 'attributes', message: `${WHO}: attribute name "" must be 1 to 64 characters` });
  });

  it('takes an attribute value of up to 512 characters', () => {
    expect(check({ attributes: { note: text(512, '注') } })).toBeNull();
    expect(check({ attributes: { note: '' } })).toBeNull();
    expect(check({ attributes: { note: text(513, '注') } })).toEqual({
      code: 'INVALID_FIELD',
      field: 'attributes.note',
      message: `${WHO}: attribute note must be a string of at most 512 characters`,
    });
    expect(check({ attributes: { note: 7 as unknown as string } })).toMatchObject({ code: 'INVALID_FIELD', field: 'attributes.note' });
  });

  it('refuses attributes that are not a map', () => {
    for (const attributes of [null, 'x']) {
      expect(check({ attributes: attributes as unknown as Record<string, string> })).toEqual({
        code: 'INVALID_FIELD',
        field: 'attributes',
        message: `${WHO}: attributes must be a map of strings`,
      });
    }
  });
});

describe('validateCaseEvent on text fields', () => {
  it('says why a required text is unusable', () => {
    expect(check({ sourceSystem: null as unknown as string })?.message).toBe(`${WHO}: sourceSystem must be a string (got null)`);
    expect(check({ sourceSystem: 42 as unknown as string })?.message).toBe(`${WHO}: sourceSystem must be a string (got number)`);
    expect(check({ sourceSystem: ' \t ' })?.message).toBe(`${WHO}: sourceSystem is empty`);
    expect(check({ sourceSystem: ' jtyst' })?.message).toBe(`${WHO}: sourceSystem has leading or trailing spaces`);
    expect(check({ sourceSystem: 'jtyst ' })?.message).toBe(`${WHO}: sourceSystem has leading or trailing spaces`);
    for (const c of ['\u0000', '\u0009', '\u001f', '\u007f']) {
      expect(check({ sourceSystem: `jt${c}yst` })?.message).toBe(`${WHO}: sourceSystem contains control characters`);
    }
    // Space, tilde and non-ASCII are ordinary characters.
    expect(check({ sourceSystem: 'jt yst~系统\u0080' })).toBeNull();
  });

  it('takes department codes of letters, digits, dot, underscore and dash, starting with a letter or digit', () => {
    for (const departmentCode of ['JTYST', 'a', '9', 'JT.YST_2-b']) expect([departmentCode, check({ departmentCode })]).toEqual([departmentCode, null]);
    for (const departmentCode of ['-JT', '.JT', '_JT', 'JT!', '!JT', 'JT/YST', '交通']) {
      expect(check({ departmentCode })).toEqual({
        code: 'INVALID_DEPARTMENT',
        field: 'departmentCode',
        message: `${WHO}: departmentCode ${JSON.stringify(departmentCode)} may hold only letters, digits, '.', '_' and '-'`,
      });
    }
  });

  it('reports the first broken rule only, in a fixed order', () => {
    const everythingWrong = { eventId: '', caseId: '', kind: 'UNKNOWN', departmentCode: '', eventTime: 0, channel: 'PHONE', sourceSystem: '' } as const;
    expect(check(everythingWrong)?.code).toBe('INVALID_EVENT_ID');
    expect(check({ ...everythingWrong, eventId: 'e1' })?.code).toBe('INVALID_CASE_ID');
    expect(check({ ...everythingWrong, eventId: 'e1', caseId: 'c1' })?.code).toBe('UNKNOWN_KIND');
    expect(check({ ...everythingWrong, eventId: 'e1', caseId: 'c1', kind: 'RECEIVED' })?.code).toBe('INVALID_DEPARTMENT');
    expect(check({ ...everythingWrong, eventId: 'e1', caseId: 'c1', kind: 'RECEIVED', departmentCode: 'MZT' })?.code).toBe('INVALID_EVENT_TIME');
    expect(check({ channel: 'PHONE', sourceSystem: '' })?.code).toBe('INVALID_CHANNEL_FOR_KIND');
    expect(check({ itemCode: '', sourceSystem: '' })?.field).toBe('itemCode');
    expect(check({ sourceSystem: '', sourceRecordId: '' })?.field).toBe('sourceSystem');
    expect(check({ sourceRecordId: '', attributes: null as unknown as Record<string, string> })?.field).toBe('sourceRecordId');
  });
});

describe('validateCaseEvent on kinds, times, channels and delivery methods', () => {
  it('refuses a kind this pipeline does not know', () => {
    const unknown = 'UNKNOWN_KIND';
    const message = (k: string) => `${WHO}: kind "${k}" is not one this pipeline counts (a newer writer's kind reads as UNKNOWN)`;
    expect(check({ kind: 'UNKNOWN' })).toEqual({ code: unknown, field: 'kind', message: message('UNKNOWN') });
    expect(check({ kind: 'CANCELLED' as CaseEvent['kind'] })).toEqual({ code: unknown, field: 'kind', message: message('CANCELLED') });
  });

  it('names the instant and the reason for a bad event time', () => {
    expect(check({ eventTime: 1.5 })?.message).toBe(`${WHO}: eventTime 1.5 is not an integer epoch-millisecond instant`);
    expect(check({ eventTime: Number.POSITIVE_INFINITY })?.message).toBe(`${WHO}: eventTime Infinity is not an integer epoch-millisecond instant`);
    expect(check({ eventTime: 2 ** 53 })?.message).toBe(`${WHO}: eventTime 9007199254740992 is not an integer epoch-millisecond instant`);
    expect(check({ eventTime: Date.UTC(1999, 11, 31, 15, 59, 59, 999) })).toEqual({
      code: 'INVALID_EVENT_TIME',
      field: 'eventTime',
      message: `${WHO}: eventTime 1999-12-31T15:59:59.999Z is before 2000-01-01 (CST)`,
    });
    expect(check({ eventTime: INGESTED + 86_400_001 })?.message).toBe(
      `${WHO}: eventTime 2025-09-02T02:00:00.001Z is more than one day after ingestion (2025-09-01T02:00:00.000Z)`,
    );
    // Beyond what a Date can hold, the instant is written as the number it is.
    expect(check({ eventTime: 9e15 })?.message).toBe(`${WHO}: eventTime 9000000000000000 is more than one day after ingestion (2025-09-01T02:00:00.000Z)`);
  });

  it('takes OTHER as a channel of every kind and as a delivery method (valid, counted in no figure)', () => {
    for (const kind of ['RECEIVED', 'COMPLETED', 'DELIVERED', 'CONSULTED'] as const) {
      expect([kind, validateCaseEvent(sampleEvent(kind, { channel: 'OTHER' }), INGESTED)]).toEqual([kind, null]);
    }
    expect(validateCaseEvent(sampleEvent('DELIVERED', { deliveryMethod: 'OTHER' }), INGESTED)).toBeNull();
    for (const deliveryMethod of ['WINDOW_PICKUP', 'MAIL', 'ELECTRONIC'] as const) {
      expect(validateCaseEvent(sampleEvent('DELIVERED', { deliveryMethod }), INGESTED)).toBeNull();
    }
    for (const channel of ['FULL_ONLINE', 'COMPREHENSIVE_WINDOW', 'DEPARTMENT_WINDOW'] as const) {
      expect([channel, check({ channel }, 'COMPLETED')]).toEqual([channel, null]);
    }
  });

  it('refuses a channel or delivery method it does not know, and says which', () => {
    expect(check({ channel: 'SELF_SERVICE' as CaseEvent['channel'] })).toEqual({ code: 'INVALID_FIELD', field: 'channel', message: `${WHO}: channel "SELF_SERVICE" is not a known channel` });
    expect(validateCaseEvent(sampleEvent('DELIVERED', { deliveryMethod: 'DRONE' as CaseEvent['deliveryMethod'] }), INGESTED)).toEqual({
      code: 'INVALID_FIELD',
      field: 'deliveryMethod',
      message: 'event "evt-delivered-0001" (case "SC20250831000123"): deliveryMethod "DRONE" is not a known method',
    });
  });

  it('says which channel fits which kind', () => {
    expect(validateCaseEvent(sampleEvent('CONSULTED', { channel: 'DEPARTMENT_WINDOW' }), INGESTED)).toEqual({
      code: 'INVALID_CHANNEL_FOR_KIND',
      field: 'channel',
      message: 'event "evt-consulted-0001" (case "ZX-2025-0831-7"): a consultation must come by PHONE, ONSITE or OTHER, not DEPARTMENT_WINDOW',
    });
    expect(check({ channel: 'ONSITE' }, 'COMPLETED')).toEqual({
      code: 'INVALID_CHANNEL_FOR_KIND',
      field: 'channel',
      message: 'event "evt-completed-0001" (case "SC20250831000123"): ONSITE is a consultation channel; a COMPLETED case event cannot use it',
    });
    expect(check({ channel: 'PHONE' }, 'DELIVERED')).toMatchObject({ code: 'INVALID_CHANNEL_FOR_KIND' });
  });

  it('wants a delivery method on DELIVERED only (a missing one reads as none)', () => {
    expect(validateCaseEvent(sampleEvent('DELIVERED', { deliveryMethod: undefined }), INGESTED)).toEqual({
      code: 'MISSING_DELIVERY_METHOD',
      field: 'deliveryMethod',
      message: 'event "evt-delivered-0001" (case "SC20250831000123"): a DELIVERED event needs a deliveryMethod (WINDOW_PICKUP, MAIL, ELECTRONIC or OTHER)',
    });
    expect(check({ deliveryMethod: undefined })).toBeNull();
    expect(check({ deliveryMethod: 'MAIL' }, 'COMPLETED')).toEqual({
      code: 'INVALID_FIELD',
      field: 'deliveryMethod',
      message: 'event "evt-completed-0001" (case "SC20250831000123"): deliveryMethod must be null for a COMPLETED event (got MAIL)',
    });
    expect(check({ itemCode: null })).toBeNull();
    expect(check({ itemCode: undefined })).toBeNull();
  });
});

describe('validateCaseEvent on personal data in attribute values', () => {
  it('refuses a whole mobile number or 身份证号, and names the attribute', () => {
    const never = 'the value is not repeated here. Connectors must drop personal fields or replace them with a keyed hash';
    expect(check({ attributes: { 联系电话: '19912345678' } })).toEqual({
      code: 'PERSONAL_DATA',
      field: 'attributes.联系电话',
      message: `attribute 联系电话 holds personal data (手机号 (mobile number)); ${never}`,
    });
    // Valid check characters, computed by hand from GB 11643's weights.
    for (const id of ['11010519491231002X', '11010519491231002x', '440524188001010014', '110105194912310011', '320311197001010019']) {
      expect([id, check({ attributes: { 证件: id } })?.message]).toEqual([id, `attribute 证件 holds personal data (身份证号 (ID number)); ${never}`]);
    }
  });

  it('lets through numbers that are neither (a valid 身份证号 followed by one more digit is 19 digits long)', () => {
    // A mobile number inside text ('x13912345678') is personal data too: services/contract/personal-data.test.ts.
    for (const value of ['12912345678', '10912345678', '1391234567', '139123456789', '110105194912310021', '11010519491231002Y', '1101051949123100XX', '51A0138000000', '4405241880010100147']) {
      expect([value, check({ attributes: { code: value } })]).toEqual([value, null]);
    }
  });
});
