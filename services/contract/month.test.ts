import { addMonths, monthOf, monthRange } from './month.js';

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
