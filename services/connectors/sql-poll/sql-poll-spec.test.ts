import { parseDepartment } from '../../departments/department-file.js';
import { pgIso, sqlErrorKind } from './sql-client.js';
import { sqlPollSpec } from './sql-poll-spec.js';
import { shiftTimestamp, wallText } from './watermark-time.js';

const base = { type: 'sql-poll', driver: 'postgres', database: 'qzk', table: 'sj_bjxx' };
const issues = (v: unknown) => {
  const r = sqlPollSpec.safeParse(v);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('sql-poll spec', () => {
  it('refuses a password in an inline url, never echoing it', () => {
    const out = issues({ type: 'sql-poll', url: 'mysql://reader:hunter22@10.0.0.1/qzk', table: 't' });
    expect(out.join('\n')).toContain('a password in the url is refused');
    expect(out.join('\n')).not.toContain('hunter22');
  });

  it('takes the driver from the url scheme, else requires it', () => {
    expect(sqlPollSpec.parse({ type: 'sql-poll', url: 'mariadb://reader@10.0.0.1/qzk', table: 't' }).url).toBe('mariadb://reader@10.0.0.1/qzk');
    expect(issues({ type: 'sql-poll', url: { env: 'DB_URL' }, table: 't' })).toEqual(['driver: driver is required (postgres or mysql) unless an inline url names it']);
  });

  it('accepts identifiers only: letters (CJK too), digits, _ and $', () => {
    expect(issues({ ...base, table: '办件信息', updatedAt: 'gxsj' })).toEqual([]);
    expect(issues({ ...base, table: 'sj_bjxx; DROP TABLE x' })[0]).toMatch(/^table: table: letters, digits/);
    expect(issues({ ...base, columns: ['id', 'a"b'] })[0]).toMatch(/^columns.1: column: letters/);
  });

  it('refuses a source time zone that differs from the mapping (naive watermark and event time share one)', () => {
    const yaml = `code: X\nname: 某局\ncadence: { every: 1d }\nsource: { type: sql-poll, driver: postgres, database: q, table: t, timeZone: UTC }\nmapping:\n  sourceSystem: s\n  caseId: { column: c }\n  kind: { value: RECEIVED }\n  channel: { value: FULL_ONLINE }\n  eventTime: { column: t, format: 'yyyy-MM-dd HH:mm:ss' }\n`;
    expect(() => parseDepartment(yaml, 'X.yaml')).toThrow('source.timeZone UTC differs from mapping.eventTime.timeZone Asia/Shanghai');
  });
});

describe('watermark time text', () => {
  it('moves a server timestamp by whole seconds, keeping its fraction and offset', () => {
    expect(shiftTimestamp('2025-08-01 00:00:30.123456', -60)).toBe('2025-07-31 23:59:30.123456');
    expect(shiftTimestamp('2025-08-01 09:00:00+08', -1)).toBe('2025-08-01 08:59:59+08');
    expect(() => shiftTimestamp('yesterday', 1)).toThrow('is not a timestamp');
  });

  it('writes an instant as wall time in a zone, whatever the machine zone', () => {
    expect(wallText(Date.UTC(2025, 7, 31, 16, 0, 0, 5), 'Asia/Shanghai')).toBe('2025-09-01 00:00:00.005');
  });

  it('writes PostgreSQL timestamptz text as ISO-8601', () => {
    expect(pgIso('2025-08-01 01:30:00+00')).toBe('2025-08-01T01:30:00Z');
    expect(pgIso('2025-08-01 09:30:00.5+08')).toBe('2025-08-01T09:30:00.5+08:00');
    expect(pgIso('2025-08-01 07:00:00+05:30')).toBe('2025-08-01T07:00:00+05:30');
  });

  it('retries what may pass, not what will not', () => {
    expect(sqlErrorKind({ code: 'ECONNREFUSED' })).toBe('unreachable');
    expect(sqlErrorKind({ code: '40P01' })).toBe('transient');
    expect(sqlErrorKind({ code: 'ER_LOCK_DEADLOCK' })).toBe('transient');
    expect(sqlErrorKind({ code: '57014', message: 'canceling statement due to statement timeout' })).toBe('timeout');
    expect(sqlErrorKind({ code: '28P01' })).toBe('auth');
    expect(sqlErrorKind({ code: '42601' })).toBe('other');
    expect(sqlErrorKind({ code: 'ER_NO_SUCH_TABLE' })).toBe('other');
  });
});
