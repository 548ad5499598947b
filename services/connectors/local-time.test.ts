import { localTimeParser } from './local-time.js';

describe('localTimeParser', () => {
  it('reads naive Beijing wall times as UTC+8 instants, across the month boundary', () => {
    const parse = localTimeParser('yyyy-MM-dd HH:mm:ss', 'Asia/Shanghai');
    expect(new Date(parse('2025-09-01 00:30:00')).toISOString()).toBe('2025-08-31T16:30:00.000Z');
    expect(new Date(localTimeParser('yyyy/M/d H:mm', 'Asia/Shanghai')('2025/8/1 9:05')).toISOString()).toBe('2025-08-01T01:05:00.000Z');
  });

  it('reads a spreadsheet date cell as wall time in the zone', () => {
    expect(new Date(localTimeParser('yyyy-MM-dd HH:mm:ss', 'Asia/Shanghai')(new Date(Date.UTC(2025, 7, 1, 9, 30)))).toISOString()).toBe('2025-08-01T01:30:00.000Z');
  });

  it('honours daylight saving time of a zone that has it', () => {
    const parse = localTimeParser('yyyy-MM-dd HH:mm', 'Europe/Berlin');
    expect(new Date(parse('2025-07-01 12:00')).toISOString()).toBe('2025-07-01T10:00:00.000Z');
    expect(new Date(parse('2025-01-01 12:00')).toISOString()).toBe('2025-01-01T11:00:00.000Z');
  });

  it('refuses text that does not match, impossible dates, and unknown zones', () => {
    const parse = localTimeParser('yyyy-MM-dd HH:mm:ss', 'Asia/Shanghai');
    expect(() => parse('2025-08-01')).toThrow(expect.objectContaining({ code: 'MAP_BAD_TIME' }));
    expect(() => parse('2025-02-30 10:00:00')).toThrow(/no such date/);
    expect(() => localTimeParser('iso', 'Asia/Shanghai')('2025-08-01T10:00:00')).toThrow(expect.objectContaining({ code: 'MAP_BAD_TIME' }));
    expect(() => localTimeParser('yyyy-MM-dd', 'Mars/Olympus')).toThrow(expect.objectContaining({ code: 'DEPARTMENT_FILE_INVALID' }));
  });
});
