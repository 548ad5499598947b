/**
 * The analysts' query on a published snapshot: SELECT works, writes fail with DuckDB's own read-only
 * error and leave snapshot.duckdb byte for byte as published; the three output formats.
 */
import path from 'node:path';
import { generateMonth, type GeneratedMonth } from '../demo/month-generator.js';
import { isCasepipeError } from '../platform/errors.js';
import type { SnapshotOutcome } from './monthly-snapshot.js';
import { formatQueryResult, querySnapshot, snapshotDatabase, type QueryResult } from './snapshot-query.js';
import { openMonthStore, sha256, type MonthStore } from './testing/month-store.js';

const MONTH = '2025-08';
const TARGETS = { fullOnlineReceived: 600, fullOnlineCompleted: 610, windowReceived: 30, windowDelivered: 60, mailed: 20, phoneConsultations: 25, onsiteConsultations: 70 };

describe('querySnapshot (READ_ONLY)', () => {
  let g: GeneratedMonth;
  let ms: MonthStore;
  let out: SnapshotOutcome;
  let db: string;

  beforeAll(async () => {
    g = generateMonth({ month: MONTH, seed: 13, targets: TARGETS });
    ms = await openMonthStore();
    await ms.apply(g.events);
    out = await ms.snapshot(MONTH);
    db = path.join(out.folder, 'snapshot.duckdb');
  });
  afterAll(() => ms?.dispose());

  it('finds the latest version of a month, and names a missing one', () => {
    expect(snapshotDatabase(ms.snapshotsDir, MONTH)).toEqual({ file: db, version: 1 });
    expect(() => snapshotDatabase(ms.snapshotsDir, '2025-07')).toThrow(expect.objectContaining({ code: 'SNAPSHOT_NOT_FOUND' }));
    expect(() => snapshotDatabase(ms.snapshotsDir, MONTH, 2)).toThrow(expect.objectContaining({ code: 'SNAPSHOT_NOT_FOUND' }));
  });

  it('answers a SELECT', async () => {
    const r = await querySnapshot(db, `SELECT figure, value FROM figures_total WHERE figure IN ('totalHandled', 'mailed') ORDER BY figure DESC`);
    expect(r.columns).toEqual(['figure', 'value']);
    // BIGINT comes back as a number (exact below 2^53; larger stays a string, never rounded).
    expect(r.rows).toEqual([
      { figure: 'totalHandled', value: 630 },
      { figure: 'mailed', value: 20 },
    ]);
  });

  it.each([
    ['INSERT', `INSERT INTO figures_total (figure, label_zh, unit, value) VALUES ('totalHandled', 'x', 'cases', 1)`],
    ['CREATE', 'CREATE TABLE notes (a INTEGER)'],
    ['DELETE', `DELETE FROM figures_total`],
    ['UPDATE', `UPDATE figures_total SET value = 0`],
    ['DROP', `DROP TABLE milestones`],
  ])('refuses %s with DuckDB’s read-only error and leaves the file untouched', async (kind, sql) => {
    const before = sha256(db);
    const err = await querySnapshot(db, sql).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isCasepipeError(err, 'QUERY_FAILED')).toBe(true);
    expect((err as Error).message).toContain(`Cannot execute statement of type "${kind}"`);
    expect((err as Error).message).toContain('read-only mode');
    expect(sha256(db)).toBe(before);
    expect(before).toBe(out.manifest.files.find((f) => f.name === 'snapshot.duckdb')!.sha256);
  });

  it('refuses to write or read other files (COPY TO, ATTACH, read_csv) and leaves the file untouched', async () => {
    const before = await sha256(db);
    const outside = path.join(path.dirname(db), '..', 'escape.csv');
    for (const sql of [`COPY figures_total TO '${outside}'`, `ATTACH '${outside}.duckdb' AS other`, `SELECT * FROM read_csv('/etc/passwd')`]) {
      // COPY and ATTACH are refused before they run; read_csv meets DuckDB's disabled file system.
      await expect(querySnapshot(db, sql)).rejects.toMatchObject({ code: 'QUERY_FAILED', message: expect.stringMatching(/disabled by configuration|statements are refused/) });
    }
    expect(await sha256(db)).toBe(before);
    await expect(import('node:fs').then((fs) => fs.existsSync(outside))).resolves.toBe(false);
  });

  it('reports a SQL error as QUERY_FAILED with DuckDB’s text', async () => {
    await expect(querySnapshot(db, 'SELECT nope FROM figures_total')).rejects.toMatchObject({ code: 'QUERY_FAILED', message: expect.stringContaining('nope') });
  });
});

describe('formatQueryResult', () => {
  const result: QueryResult = {
    columns: ['department_code', 'department_name', 'value', 'note'],
    rows: [
      { department_code: 'JTYST', department_name: '交通运输厅', value: '12', note: null },
      { department_code: 'SCJGJ', department_name: '市场监管局', value: '7', note: 'a, "b"' },
    ],
  };

  it('writes CSV with a header and quotes where needed', () => {
    expect(formatQueryResult(result, 'csv')).toBe(
      ['department_code,department_name,value,note', 'JTYST,交通运输厅,12,', 'SCJGJ,市场监管局,7,"a, ""b"""'].join('\n'),
    );
  });

  it('writes one JSON object per line', () => {
    expect(formatQueryResult(result, 'json').split('\n').map((l) => JSON.parse(l))).toEqual(result.rows);
  });

  it('writes an aligned table, Chinese counted two columns wide, and the row count', () => {
    expect(formatQueryResult(result, 'table')).toBe(
      [
        'department_code  department_name  value  note',
        '---------------  ---------------  -----  ------',
        'JTYST            交通运输厅       12',
        'SCJGJ            市场监管局       7      a, "b"',
        '(2 rows)',
      ].join('\n'),
    );
  });
});
