import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import { monthRange } from '../contract/month.js';
import { validateCaseEvent } from '../contract/validate.js';
import { isCasepipeError } from '../platform/errors.js';
import { ALL_DEPARTMENTS, STATIONED_DEPARTMENTS } from './departments.js';
import { AUGUST_2025_TARGETS, apportion, generateMonth, MALFORMED_KINDS, MALFORMED_REASON, type GeneratedMonth } from './month-generator.js';
import { dedupKey, referenceDuplicates, referenceFigures, winners } from './reference-count.js';

function digest(g: GeneratedMonth): string {
  return createHash('sha256').update(JSON.stringify(g)).digest('hex');
}

const at = (iso: string) => Date.parse(iso);

describe('generateMonth for August 2025 (default targets)', () => {
  let g: GeneratedMonth;
  beforeAll(() => {
    g = generateMonth({ month: '2025-08', seed: 7 });
  });

  it('reproduces the published figures, totalHandled 52,500', () => {
    expect(g.truth.figures.total).toEqual({ ...AUGUST_2025_TARGETS, totalHandled: 52500 });
  });

  it('has a truth equal to deduplicating and counting the events by the DOMAIN.md rules', () => {
    expect(referenceFigures(g.events, '2025-08')).toEqual(g.truth.figures);
    expect(referenceDuplicates(g.events)).toBe(g.truth.duplicates);
    expect(g.truth.duplicates).toBeGreaterThan(0.1 * g.events.length);
  });

  it('is about 150k events', () => {
    expect(g.events.length).toBeGreaterThan(120_000);
    expect(g.events.length).toBeLessThan(200_000);
  });

  it('spreads the figures over ~40 real departments, skewed, plus the hall window and the help desk', () => {
    const codes = g.truth.figures.departments.map((d) => d.departmentCode);
    expect(codes).toEqual([...codes].sort());
    expect(codes).toEqual(expect.arrayContaining(['JTYST', 'ZJT', 'GAT', 'SCJGJ', 'YJGLT', 'MZT', 'YJJ', 'ZRZYT', 'ZHCK', 'ZXFW']));
    expect(codes.length).toBeGreaterThanOrEqual(40);
    const by = new Map(g.truth.figures.departments.map((d) => [d.departmentCode, d.figures]));
    expect(by.get('SCJGJ')!.fullOnlineReceived).toBeGreaterThan(20 * by.get('DAG')!.fullOnlineReceived);
    expect(by.get('ZXFW')!.phoneConsultations).toBe(1093);
    expect(by.get('ZHCK')!.windowReceived).toBeGreaterThan(0);
  });

  it('gives every event a unique id, a known department and a realistic case id and item code', () => {
    expect(new Set(g.events.map((e) => e.eventId)).size).toBe(g.events.length);
    const names = new Map(ALL_DEPARTMENTS.map((d) => [d.code, d.name]));
    expect(g.events.filter((e) => names.get(e.departmentCode) !== e.departmentName)).toEqual([]);
    const cases = g.events.filter((e) => e.kind !== 'CONSULTED');
    // (One case has its id and item code padded to the contract's limit of 128 characters.)
    expect(cases.filter((e) => !/^SC20\d{6}[A-Z]+\d{6,}$/.test(e.caseId) || e.caseId.length > 128)).toEqual([]);
    expect(cases.filter((e) => !/^511[A-Z]\d{10}-510000000000-000-11510000[0-9A-Z]{10}-1-00(-X{72})?$/.test(e.itemCode ?? ''))).toEqual([]);
  });

  it('makes every good event pass the contract validation, and every malformed one fail with its reason', () => {
    const ingestedAt = monthRange('2025-10').startMs;
    const firstProblem = g.events.map((e) => validateCaseEvent(e, ingestedAt)).find((p) => p !== null);
    expect(firstProblem).toBeUndefined();
    const withEvent = g.malformed.filter((m) => m.event && m.kind !== 'TRUNCATED' && m.kind !== 'UNKNOWN_SCHEMA');
    expect(withEvent.length).toBeGreaterThan(0);
    for (const m of withEvent) expect(validateCaseEvent(m.event!, ingestedAt)?.code).toBe(m.reason);
  });

  it('counts malformed records by reason, at about 0.5% of the events', () => {
    const n = Object.values(g.truth.malformedByReason).reduce((a, b) => a + b, 0);
    expect(n).toBe(g.malformed.length);
    expect(n).toBe(Math.round(g.events.length * 0.005));
    for (const m of g.malformed) expect(m.reason).toBe(MALFORMED_REASON[m.kind]);
    expect(Object.keys(g.truth.malformedByReason).sort()).toEqual([
      'DECODE_FAILED',
      'EMPTY_VALUE',
      'INVALID_CASE_ID',
      'INVALID_CHANNEL_FOR_KIND',
      'INVALID_EVENT_ID',
      'INVALID_EVENT_TIME',
      'INVALID_FIELD',
      'MISSING_DELIVERY_METHOD',
      'NOT_AVRO',
      'UNKNOWN_KIND',
      'UNKNOWN_SCHEMA',
    ]);
    // Every kind comes first, once, in order, so even a small month has each of them.
    expect(g.malformed.slice(0, MALFORMED_KINDS.length).map((m) => m.kind)).toEqual([...MALFORMED_KINDS]);
    // Malformed case ids are fresh: no good event shares one.
    const caseIds = new Set(g.events.map((e) => e.caseId));
    expect(g.malformed.some((m) => caseIds.has(m.key))).toBe(false);
  });

  it('keeps the original of every re-sent milestone as the winner', () => {
    const notOriginal = [...winners(g.events).values()].filter((w) => !/-[RCDQ]0$/.test(w.eventId));
    expect(notOriginal).toEqual([]);
    // Some copies share the original's time and lose on the event id alone.
    const byId = new Map(g.events.map((e) => [e.eventId, e]));
    const sameTime = g.events.filter((e) => e.eventId.includes('.') && byId.get(e.eventId.split('.')[0])!.eventTime === e.eventTime);
    expect(sameTime.length).toBeGreaterThan(100);
  });

  it('reports comprehensive-window receptions again from the department system, as DEPARTMENT_WINDOW, later', () => {
    const copies = g.events.filter((e) => e.eventId.endsWith('-R0.d'));
    expect(copies.length).toBeGreaterThan(500);
    expect(copies.every((e) => e.channel === 'DEPARTMENT_WINDOW' && e.sourceSystem.endsWith('-approval'))).toBe(true);
    const originals = g.events.filter((e) => e.channel === 'COMPREHENSIVE_WINDOW' && e.kind === 'RECEIVED' && e.eventId.endsWith('-R0'));
    expect(originals.every((e) => e.sourceSystem === 'comprehensive-window')).toBe(true);
  });

  it('has department-window cases and electronic deliveries that count in no figure', () => {
    expect(g.events.some((e) => e.kind === 'RECEIVED' && e.channel === 'DEPARTMENT_WINDOW' && e.eventId.endsWith('-R0'))).toBe(true);
    expect(g.events.filter((e) => e.deliveryMethod === 'ELECTRONIC').length).toBeGreaterThan(1000);
  });

  it('has OTHER channels and delivery methods, counted in no figure', () => {
    const won = [...winners(g.events).values()].filter((e) => e.eventTime >= at('2025-07-31T16:00:00Z') && e.eventTime < at('2025-08-31T16:00:00Z'));
    const other = (kind: string) => won.filter((e) => e.kind === kind && e.channel === 'OTHER').length;
    // Written out: 2% of 4811 on-site consultations, 10% of 3054 department-window cases, 10% of 2100 electronic deliveries.
    expect(other('CONSULTED')).toBe(96);
    expect(other('RECEIVED')).toBe(305);
    expect(other('COMPLETED')).toBe(305);
    expect(won.filter((e) => e.kind === 'DELIVERED' && e.deliveryMethod === 'OTHER').length).toBe(210);
    // Taking them out changes no figure (a delivery counts by its method, whatever the case's channel).
    const withoutOther = g.events.filter((e) => (e.kind === 'DELIVERED' || e.channel !== 'OTHER') && e.deliveryMethod !== 'OTHER');
    expect(referenceFigures(withoutOther, '2025-08')).toEqual(g.truth.figures);
  });

  it('has one counted case with every value exactly at the contract limit', () => {
    const edge = g.events.filter((e) => e.caseId.length === 128);
    expect(edge.map((e) => e.kind).sort()).toEqual(['COMPLETED', 'RECEIVED']);
    for (const e of edge) {
      expect({
        eventId: e.eventId.length,
        itemCode: e.itemCode?.length,
        sourceSystem: e.sourceSystem.length,
        sourceRecordId: e.sourceRecordId.length,
        attributes: Object.keys(e.attributes).length,
        longestName: Math.max(...Object.keys(e.attributes).map((k) => k.length)),
        longestValue: Math.max(...Object.values(e.attributes).map((v) => v.length)),
      }).toEqual({ eventId: 128, itemCode: 128, sourceSystem: 64, sourceRecordId: 256, attributes: 32, longestName: 64, longestValue: 512 });
      expect(e.channel).toBe('FULL_ONLINE');
      expect(e.eventTime).toBeGreaterThanOrEqual(at('2025-07-31T16:00:00Z'));
      expect(e.eventTime).toBeLessThan(at('2025-08-31T16:00:00Z'));
    }
    // ... and malformed records one past each limit, refused for that limit.
    const over = (kind: string) => g.malformed.find((m) => m.kind === kind)!.event!;
    expect(over('CASE_ID_TOO_LONG').caseId).toHaveLength(129);
    expect(over('EVENT_ID_TOO_LONG').eventId).toHaveLength(129);
    expect(over('ITEM_CODE_TOO_LONG').itemCode).toHaveLength(129);
    expect(over('SOURCE_SYSTEM_TOO_LONG').sourceSystem).toHaveLength(65);
    expect(over('SOURCE_RECORD_ID_TOO_LONG').sourceRecordId).toHaveLength(257);
    expect(Object.keys(over('TOO_MANY_ATTRIBUTES').attributes)).toHaveLength(33);
    expect(Math.max(...Object.keys(over('ATTRIBUTE_NAME_TOO_LONG').attributes).map((k) => k.length))).toBe(65);
    expect(Math.max(...Object.values(over('ATTRIBUTE_VALUE_TOO_LONG').attributes).map((v) => v.length))).toBe(513);
  });

  it('moves two consultations from September to August by a late, earlier copy that arrives last', () => {
    const last = g.events.slice(-2);
    expect(last.map((e) => [e.kind, e.channel, new Date(e.eventTime).toISOString()])).toEqual([
      ['CONSULTED', 'PHONE', '2025-08-31T15:50:00.000Z'],
      ['CONSULTED', 'ONSITE', '2025-08-31T15:50:00.000Z'],
    ]);
    for (const e of last) {
      const copies = g.events.filter((x) => x.kind === 'CONSULTED' && x.departmentCode === e.departmentCode && x.caseId === e.caseId);
      // Arriving first: a copy stamped 00:05 on September 1 (CST), counted in September until the right one comes.
      expect(copies.map((x) => new Date(x.eventTime).toISOString())).toContain('2025-08-31T16:05:00.000Z');
      expect(g.events.indexOf(copies.find((x) => x.eventTime === at('2025-08-31T16:05:00Z'))!)).toBeLessThan(g.events.length - 2);
      expect(winners(g.events).get(dedupKey(e)!)).toBe(e);
    }
    const september = referenceFigures(g.events, '2025-09').total;
    expect([september.phoneConsultations, september.onsiteConsultations]).toEqual([1, 0]); // the boundary call at 00:01 only
    expect(referenceFigures(g.events.slice(0, -2), '2025-09').total).toMatchObject({ phoneConsultations: 2, onsiteConsultations: 1 });
  });

  it('counts consultations per (department, record id): the same record id in two departments counts twice', () => {
    const onsite = g.events.filter((e) => e.kind === 'CONSULTED' && e.caseId === 'ZX000001' && e.eventId.endsWith('-Q0'));
    expect(new Set(onsite.map((e) => e.departmentCode)).size).toBeGreaterThan(5);
  });

  it('puts events minutes either side of the month boundary, in CST and in UTC, in the right month', () => {
    const received = (iso: string) => g.events.filter((e) => e.kind === 'RECEIVED' && e.eventTime === at(iso) && e.eventId.endsWith('-R0'));
    expect(received('2025-07-31T15:58:00Z')).toHaveLength(1); // July 31 23:58 CST: July
    expect(received('2025-07-31T16:00:00Z')).toHaveLength(1); // Aug 1 00:00 CST: August
    expect(received('2025-07-31T23:59:00Z')).toHaveLength(1); // July in UTC, August in CST
    expect(received('2025-08-31T15:59:00Z')).toHaveLength(1); // Aug 31 23:59 CST: August
    expect(received('2025-08-31T16:01:00Z')).toHaveLength(1); // Sep 1 00:01 CST: September
    expect(received('2025-08-31T23:59:00Z')).toHaveLength(1); // August in UTC, September in CST
    // A copy of the Aug 31 23:59 CST reception arrives stamped 00:01 Sept 1: it must not move the case.
    expect(g.events.filter((e) => e.eventTime === at('2025-08-31T16:01:00Z') && e.eventId.endsWith('.x'))).toHaveLength(1);
    // The July one counts in July, the two September ones in September.
    const july = referenceFigures(g.events, '2025-07');
    const september = referenceFigures(g.events, '2025-09');
    expect(july.total.fullOnlineReceived).toBeGreaterThan(0);
    expect(september.total.fullOnlineReceived).toBe(2);

    // Bucketing by UTC month instead of CST would get August wrong: the boundary events bite.
    const utcAugust = [...winners(g.events).values()].filter(
      (e) => e.kind === 'RECEIVED' && e.channel === 'FULL_ONLINE' && new Date(e.eventTime).toISOString().startsWith('2025-08'),
    ).length;
    expect(utcAugust).not.toBe(AUGUST_2025_TARGETS.fullOnlineReceived);
  });

  it('completes in August cases received in July, and completes some August cases in September', () => {
    const july = referenceFigures(g.events, '2025-07');
    const september = referenceFigures(g.events, '2025-09');
    expect(july.total.fullOnlineReceived).toBe(Math.round(52200 * 0.03) + 1); // + the 23:58 CST boundary case
    expect(september.total.fullOnlineCompleted).toBeGreaterThan(0);
    const completedAugust = [...winners(g.events).values()].filter(
      (e) => e.kind === 'COMPLETED' && e.eventTime >= at('2025-07-31T16:00:00Z') && e.eventTime < at('2025-08-31T16:00:00Z'),
    );
    const receivedIn = new Map([...winners(g.events).values()].filter((e) => e.kind === 'RECEIVED').map((e) => [e.caseId, e.eventTime]));
    expect(completedAugust.filter((e) => receivedIn.get(e.caseId)! < at('2025-07-31T16:00:00Z')).length).toBe(Math.round(52200 * 0.03));
  });
});

describe('generateMonth determinism', () => {
  it('gives identical output for the same seed, different arrival order for another seed', () => {
    const a = generateMonth({ month: '2025-08', seed: 1 });
    const b = generateMonth({ month: '2025-08', seed: 1 });
    const c = generateMonth({ month: '2025-08', seed: 2 });
    expect(digest(a)).toBe(digest(b));
    expect(digest(a)).not.toBe(digest(c));
    expect(c.truth.figures.total).toEqual(a.truth.figures.total);
    expect(referenceFigures(c.events, '2025-08')).toEqual(c.truth.figures);
  });

  it('reads neither Math.random nor the machine time zone', () => {
    // This process runs in America/Los_Angeles (the unit project's zone); a child in Asia/Shanghai
    // must generate the same bytes. (Setting process.env.TZ inside a jest test changes nothing.)
    const spy = jest.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random must not be used');
    });
    let here: string;
    try {
      here = digest(generateMonth({ month: '2025-03', seed: 5, targets: small }));
    } finally {
      spy.mockRestore();
    }
    const script =
      `import { createHash } from 'node:crypto'; import { generateMonth } from './month-generator.ts';` +
      `const g = generateMonth({ month: '2025-03', seed: 5, targets: ${JSON.stringify(small)} });` +
      `console.log(new Date(0).getTimezoneOffset(), createHash('sha256').update(JSON.stringify(g)).digest('hex'));`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('.', import.meta.url)),
      env: { ...process.env, TZ: 'Asia/Shanghai' },
      encoding: 'utf8',
    });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe(`-480 ${here}`);
  });
});

const small = {
  fullOnlineReceived: 300,
  fullOnlineCompleted: 320,
  windowReceived: 40,
  windowDelivered: 90,
  mailed: 15,
  phoneConsultations: 21,
  onsiteConsultations: 33,
};

describe('generateMonth for other months and targets', () => {
  it.each([
    ['2024-02', 11], // a leap February
    ['2025-12', 12], // the year boundary
    ['2026-01', 13],
  ])('%s hits the targets exactly', (month, seed) => {
    const g = generateMonth({ month, seed, targets: small, resendRate: 0.4 });
    expect(g.truth.figures.total).toEqual({ ...small, totalHandled: 340 });
    expect(referenceFigures(g.events, month)).toEqual(g.truth.figures);
    expect(referenceDuplicates(g.events)).toBe(g.truth.duplicates);
  });

  it('delivers to older cases when the month has fewer completions than deliveries', () => {
    const targets = { ...small, fullOnlineReceived: 5, fullOnlineCompleted: 5, windowReceived: 0, windowDelivered: 50, mailed: 10 };
    const g = generateMonth({ month: '2025-08', seed: 3, targets, previousMonthCompletions: 0 });
    expect(g.truth.figures.total.windowDelivered).toBe(50);
    expect(referenceFigures(g.events, '2025-08')).toEqual(g.truth.figures);
  });

  it('works without boundary events, re-sends or malformed records, and with all-zero targets', () => {
    const plain = generateMonth({ month: '2025-08', seed: 4, targets: small, boundaryEvents: false, resendRate: 0, malformedRate: 0 });
    // Only the cross-system copies of comprehensive-window receptions remain as duplicates.
    const crossSystem = plain.events.filter((e) => e.eventId.endsWith('-R0.d'));
    expect(plain.truth.duplicates).toBe(crossSystem.length);
    expect(plain.malformed).toHaveLength(0);
    expect(new Set(plain.events.map(dedupKey)).size).toBe(plain.events.length - crossSystem.length);
    expect(referenceFigures(plain.events, '2025-08')).toEqual(plain.truth.figures);
    const zero = Object.fromEntries(Object.keys(small).map((k) => [k, 0])) as typeof small;
    const none = generateMonth({ month: '2025-08', seed: 4, targets: zero });
    expect(none.truth.figures.departments).toEqual([]);
    expect(referenceFigures(none.events, '2025-08')).toEqual(none.truth.figures);
  });

  it('rejects impossible options with INVALID_DEMO_OPTIONS naming the option', () => {
    const attempt = (o: Partial<Parameters<typeof generateMonth>[0]>) => {
      try {
        generateMonth({ month: '2025-08', seed: 1, targets: small, ...o });
      } catch (err) {
        if (isCasepipeError(err, 'INVALID_DEMO_OPTIONS')) return err.message;
        throw err;
      }
      throw new Error('expected INVALID_DEMO_OPTIONS');
    };
    expect(attempt({ month: '2025-8' })).toMatch(/month/);
    expect(attempt({ previousMonthCompletions: 10 })).toMatch(/previousMonthCompletions = 10 must be an integer between 20/);
    expect(attempt({ targets: { ...small, mailed: -1 } })).toMatch(/mailed/);
    expect(attempt({ resendRate: 2 })).toMatch(/resendRate/);
  });
});

describe('apportion and departments', () => {
  it('splits a total exactly by largest remainder', () => {
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(apportion(0, [1, 2])).toEqual([0, 0]);
    const parts = apportion(50900, STATIONED_DEPARTMENTS.map((d) => d.weight));
    expect(parts.reduce((a, b) => a + b, 0)).toBe(50900);
  });

  it('has ~40 stationed departments with unique codes and valid credit codes', () => {
    expect(STATIONED_DEPARTMENTS.length).toBeGreaterThanOrEqual(40);
    expect(new Set(ALL_DEPARTMENTS.map((d) => d.code)).size).toBe(ALL_DEPARTMENTS.length);
    const chars = '0123456789ABCDEFGHJKLMNPQRTUWXY';
    const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    for (const d of ALL_DEPARTMENTS) {
      expect(d.creditCode).toMatch(/^11510000[0-9]{8}[0-9X][0-9A-Y]$/);
      const s = [...d.creditCode.slice(0, 17)].reduce((acc, c, i) => acc + chars.indexOf(c) * weights[i], 0);
      expect(chars[(31 - (s % 31)) % 31]).toBe(d.creditCode[17]);
    }
  });
});
