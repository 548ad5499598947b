/**
 * The analysts' query on a published snapshot: SELECT works, writes fail with DuckDB's own read-only
 * error and leave snapshot.duckdb byte for byte as published; the configuration is locked, one
 * statement runs, a timeout interrupts, rows stream, and spilling never touches the snapshot folder.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Json } from '@duckdb/node-api';
import { generateMonth, type GeneratedMonth } from '../demo/month-generator.js';
import { isCasepipeError } from '../platform/errors.js';
import type { SnapshotOutcome } from './monthly-snapshot.js';
import { querySnapshot, queryRows, snapshotDatabase, type QueryLimits } from './snapshot-query.js';
import { openMonthStore, sha256, type MonthStore } from './testing/month-store.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MONTH = '2025-08';
const TARGETS = { fullOnlineReceived: 600, fullOnlineCompleted: 610, windowReceived: 30, windowDelivered: 60, mailed: 20, phoneConsultations: 25, onsiteConsultations: 70 };

describe('querySnapshot (READ_ONLY)', () => {
  let g: GeneratedMonth;
  let ms: MonthStore;
  let out: SnapshotOutcome;
  let db: string;
  let limits: QueryLimits;
  const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

  beforeAll(async () => {
    g = generateMonth({ month: MONTH, seed: 13, targets: TARGETS });
    ms = await openMonthStore();
    await ms.apply(g.events);
    out = await ms.snapshot(MONTH);
    db = path.join(out.folder, 'snapshot.duckdb');
    limits = { spillRoot: path.join(ms.dir, 'tmp', 'query'), memoryLimit: '256MB', timeoutMs: 60_000 };
  });
  afterAll(() => ms?.dispose());

  it('finds the latest version of a month, and names a missing one', () => {
    expect(snapshotDatabase(ms.snapshotsDir, MONTH)).toEqual({ file: db, version: 1 });
    expect(() => snapshotDatabase(ms.snapshotsDir, '2025-07')).toThrow(expect.objectContaining({ code: 'SNAPSHOT_NOT_FOUND' }));
    expect(() => snapshotDatabase(ms.snapshotsDir, MONTH, 2)).toThrow(expect.objectContaining({ code: 'SNAPSHOT_NOT_FOUND' }));
  });

  it('answers a SELECT', async () => {
    const rows = await queryRows(db, `SELECT figure, value FROM figures_total WHERE figure IN ('totalHandled', 'mailed') ORDER BY figure DESC`, limits);
    // BIGINT comes back as a number (exact below 2^53; larger stays a string, never rounded).
    expect(rows).toEqual([
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
    const err = await failure(queryRows(db, sql, limits));
    expect(isCasepipeError(err, 'QUERY_FAILED')).toBe(true);
    expect((err as Error).message).toContain(`Cannot execute statement of type "${kind}"`);
    expect((err as Error).message).toContain('read-only mode');
    expect(sha256(db)).toBe(before);
    expect(before).toBe(out.manifest.files.find((f) => f.name === 'snapshot.duckdb')!.sha256);
  });

  it('refuses to write or read other files (COPY TO, ATTACH, read_csv) and leaves the file untouched', async () => {
    const before = sha256(db);
    const outside = path.join(path.dirname(db), '..', 'escape.csv');
    for (const sql of [`COPY figures_total TO '${outside}'`, `ATTACH '${outside}.duckdb' AS other`, `SELECT * FROM read_csv('/etc/passwd')`]) {
      // COPY and ATTACH are refused before they run; read_csv meets DuckDB's disabled file system.
      await expect(queryRows(db, sql, limits)).rejects.toMatchObject({ code: 'QUERY_FAILED', message: expect.stringMatching(/disabled by configuration|statements are refused/) });
    }
    expect(sha256(db)).toBe(before);
    expect(fs.existsSync(outside)).toBe(false);
  });

  it.each([`SET memory_limit = '64GB'`, 'SET threads = 64', 'RESET memory_limit', `PRAGMA memory_limit = '64GB'`, `SET temp_directory = '/tmp'`, 'SET enable_external_access = true'])(
    'refuses to change the configuration: %s',
    async (sql) => {
      await expect(queryRows(db, sql, limits)).rejects.toMatchObject({ code: 'QUERY_FAILED', message: expect.stringContaining('the configuration has been locked') });
    },
  );

  it('runs exactly one statement: several are refused before any runs, none is an error', async () => {
    const err = await failure(queryRows(db, `SELECT 1; SELECT * FROM read_csv('/etc/passwd')`, limits));
    expect(err).toMatchObject({ code: 'QUERY_FAILED', message: expect.stringContaining('the SQL holds 2 statements') });
    await expect(queryRows(db, '-- nothing', limits)).rejects.toMatchObject({ code: 'QUERY_FAILED', message: expect.stringContaining('no SQL statement') });
    await expect(queryRows(db, 'SELECT 42 AS answer;', limits)).resolves.toEqual([{ answer: 42 }]);
  });

  it('interrupts a query that runs past the timeout', async () => {
    // Seconds of work on any machine (about 25 s on 2 cores here), so it finishes if nothing interrupts it.
    const err = await failure(queryRows(db, 'SELECT sum(hash(range)) FROM range(500000000)', { ...limits, timeoutMs: 300 }));
    expect(err).toMatchObject({ code: 'QUERY_TIMEOUT', message: expect.stringContaining('longer than 0.3 s') });
  });

  it('reports a SQL error as QUERY_FAILED with DuckDB’s text', async () => {
    await expect(queryRows(db, 'SELECT nope FROM figures_total', limits)).rejects.toMatchObject({ code: 'QUERY_FAILED', message: expect.stringContaining('nope') });
    await expect(queryRows(db, 'SELEC 1', limits)).rejects.toMatchObject({ code: 'QUERY_FAILED', message: expect.stringContaining('syntax error') });
  });

  it('hands the rows over chunk by chunk as DuckDB produces them, and stops when the reader goes', async () => {
    const chunks: number[] = [];
    const total = await querySnapshot(db, 'SELECT range AS n FROM range(10000)', limits, {
      start: () => undefined,
      rows: (rows: Json[][]) => chunks.push(rows.length) > 0,
      end: () => undefined,
    });
    expect(total).toBe(10000);
    expect(chunks.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...chunks)).toBeLessThanOrEqual(2048);
    let ended = false;
    const stopped = await querySnapshot(db, 'SELECT range AS n FROM range(10000)', limits, { start: () => undefined, rows: () => false, end: () => void (ended = true) });
    expect(stopped).toBeLessThanOrEqual(2048);
    expect(ended).toBe(false);
  });

  it('spills outside the snapshot folder; a killed query leaves nothing there and the next query removes its spill', async () => {
    const folder = out.folder;
    const published = fs.readdirSync(folder).sort();
    const spillRoot = limits.spillRoot;
    // A sort of 20M rows under a 32MB limit spills within seconds.
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'bin/casepipe.js'), 'query', '--month', MONTH, '--format', 'csv', 'SELECT n, md5(n::VARCHAR) AS h FROM range(20000000) t(n) ORDER BY h'],
      { cwd: ROOT, env: { ...process.env, CASEPIPE_DATA_DIR: ms.dir, CASEPIPE_STORE_MEMORY_LIMIT: '32MB', LOG_LEVEL: 'silent' }, stdio: 'ignore' },
    );
    const exited = new Promise((r) => child.on('exit', r));
    const spillFiles = () =>
      [folder, spillRoot].flatMap((dir) => (fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.includes('duckdb_temp')) : []));
    try {
      const deadline = Date.now() + 90_000;
      while (spillFiles().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(spillFiles()).not.toEqual([]);
      expect(fs.readdirSync(folder).sort()).toEqual(published);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    expect(fs.readdirSync(folder).sort()).toEqual(published);
    const leftover = fs.readdirSync(spillRoot);
    expect(leftover).toEqual([expect.stringMatching(new RegExp(`^${child.pid}-`))]);
    await queryRows(db, 'SELECT 1', limits);
    expect(fs.readdirSync(spillRoot)).toEqual([]);
    expect(sha256(db)).toBe(out.manifest.files.find((f) => f.name === 'snapshot.duckdb')!.sha256);
  });
});
