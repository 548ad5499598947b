import { addMonths, CST_OFFSET_MS, isMonth, monthOf, monthRange, parseMonth } from './month.js';

describe('monthOf (China Standard Time)', () => {
  it('puts the last millisecond before 16:00Z on Aug 31 in August', () => {
    expect(monthOf(Date.parse('2025-08-31T15:59:59.999Z'))).toBe('2025-08');
  });
  it('puts 16:00Z on Aug 31 in September', () => {
    expect(monthOf(Date.parse('2025-08-31T16:00:00Z'))).toBe('2025-09');
  });
  it('handles the year boundary', () => {
    expect(monthOf(Date.parse('2025-12-31T16:00:00Z'))).toBe('2026-01');
  });
});

describe('monthRange and addMonths', () => {
  it('gives [start, end) in UTC', () => {
    const r = monthRange('2025-08');
    expect(new Date(r.startMs).toISOString()).toBe('2025-07-31T16:00:00.000Z');
    expect(new Date(r.endMs).toISOString()).toBe('2025-08-31T16:00:00.000Z');
  });
  it('adds and subtracts across years', () => {
    expect(addMonths('2025-01', -1)).toBe('2024-12');
    expect(addMonths('2025-08', -12)).toBe('2024-08');
    expect(addMonths('2025-12', 1)).toBe('2026-01');
  });
  it('rejects a bad month', () => {
    expect(() => monthRange('2025-13')).toThrow(/not a month/);
  });
});

describe('the unit tests run in a zone that is neither UTC nor CST, with DST', () => {
  // jest.config.js runs the unit project in America/Los_Angeles (tests/fixtures/time-zone-environment.cjs),
  // so code that reads local time gets other months than CST code: these guard that setting.
  it('has the process in Los Angeles time: UTC-8 in winter, UTC-7 in summer', () => {
    expect(new Date(Date.UTC(2025, 0, 15)).getTimezoneOffset()).toBe(480);
    expect(new Date(Date.UTC(2025, 6, 15)).getTimezoneOffset()).toBe(420);
  });

  it('gives the CST month of instants where the local (Los Angeles) month differs', () => {
    // 2025-09-01 00:00 CST is still 2025-08-31 09:00 in Los Angeles.
    expect(monthOf(Date.parse('2025-08-31T16:00:00Z'))).toBe('2025-09');
    // Across the DST switches of Los Angeles (2025-03-09, 2025-11-02): CST has none.
    expect(monthOf(Date.parse('2025-02-28T16:00:00Z'))).toBe('2025-03');
    expect(monthOf(Date.parse('2025-10-31T16:00:00Z'))).toBe('2025-11');
    expect(monthOf(Date.parse('2025-10-31T15:59:59.999Z'))).toBe('2025-10');
    expect(monthRange('2025-11')).toEqual({ startMs: Date.parse('2025-10-31T16:00:00Z'), endMs: Date.parse('2025-11-30T16:00:00Z') });
    expect(monthRange('2025-03')).toEqual({ startMs: Date.parse('2025-02-28T16:00:00Z'), endMs: Date.parse('2025-03-31T16:00:00Z') });
  });
});

describe('month text', () => {
  it('writes two-digit months from October to December', () => {
    expect(monthOf(Date.parse('2025-10-15T00:00:00Z'))).toBe('2025-10');
    expect(monthOf(Date.parse('2025-12-15T00:00:00Z'))).toBe('2025-12');
    expect(addMonths('2025-08', 2)).toBe('2025-10');
    expect(addMonths('2025-08', 1)).toBe('2025-09');
    expect(addMonths('2026-01', -3)).toBe('2025-10');
    expect(addMonths('2025-08', 0)).toBe('2025-08');
    expect(addMonths('2025-08', -20)).toBe('2023-12');
  });

  it('accepts only YYYY-MM with a month from 01 to 12', () => {
    for (const good of ['2025-01', '2025-09', '2025-10', '2025-12', '0999-05']) expect([good, isMonth(good)]).toEqual([good, true]);
    for (const bad of ['2025-8', '2025-00', '2025-13', '2025-20', '25-08', '12025-08', '2025-08x', 'x2025-08', '2025/08', '']) {
      expect([bad, isMonth(bad)]).toEqual([bad, false]);
    }
  });

  it('parses a month into numbers and names a bad one', () => {
    expect(parseMonth('2025-08')).toEqual({ year: 2025, month: 8 });
    expect(parseMonth('2024-12')).toEqual({ year: 2024, month: 12 });
    expect(() => parseMonth('2025-8')).toThrow(new RangeError('not a month: "2025-8" (expected YYYY-MM)'));
  });

  it('puts the CST offset at exactly eight hours', () => {
    expect(CST_OFFSET_MS).toBe(28_800_000);
  });
});
