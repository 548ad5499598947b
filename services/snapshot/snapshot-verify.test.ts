/**
 * A published snapshot checked against its manifest: `casepipe snapshots verify` names every file that
 * differs and exits 1; `report` and `query` refuse a changed file instead of showing it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { generateMonth } from '../demo/month-generator.js';
import type { SnapshotOutcome } from './monthly-snapshot.js';
import { queryRows } from './snapshot-query.js';
import { verifySnapshot } from './snapshot-verify.js';
import { openMonthStore, type MonthStore } from './testing/month-store.js';
import { casepipe } from './testing/run-cli.js';

const MONTH = '2025-08';
const TARGETS = { fullOnlineReceived: 40, fullOnlineCompleted: 35, windowReceived: 5, windowDelivered: 5, mailed: 3, phoneConsultations: 4, onsiteConsultations: 6 };

describe('verifying snapshots against their manifest', () => {
  let ms: MonthStore;
  let out: SnapshotOutcome;
  const file = (name: string) => path.join(out.folder, name);

  beforeAll(async () => {
    ms = await openMonthStore();
    await ms.apply(generateMonth({ month: MONTH, seed: 11, targets: TARGETS }).events);
    out = await ms.snapshot(MONTH, { now: new Date('2025-09-03T02:00:00+08:00') });
  });
  afterAll(() => ms?.dispose());

  it('finds an intact snapshot intact', async () => {
    expect(await verifySnapshot(ms.snapshotsDir, MONTH, 1)).toEqual([]);
    const r = await casepipe(ms.dir, 'snapshots', 'verify');
    expect(r).toEqual({ code: 0, stdout: `${MONTH}  v1  ok\n`, stderr: '' });
  });

  it('names a changed, a truncated, a missing and an extra file; report and query refuse the changed ones', async () => {
    // Published files are read-only; a careless (or hostile) writer changes them anyway.
    const md = fs.readFileSync(file('report.md'));
    md[md.length - 2] ^= 1; // same size, another sha256
    fs.chmodSync(file('report.md'), 0o644);
    fs.writeFileSync(file('report.md'), md);
    fs.chmodSync(file('snapshot.duckdb'), 0o644);
    fs.truncateSync(file('snapshot.duckdb'), fs.statSync(file('snapshot.duckdb')).size - 1);
    fs.rmSync(file('quality.parquet'));
    fs.writeFileSync(file('notes.txt'), 'added later');
    const bytes = out.manifest.files.find((f) => f.name === 'snapshot.duckdb')!.bytes;

    expect(await verifySnapshot(ms.snapshotsDir, MONTH, 1)).toEqual([
      { file: file('quality.parquet'), problem: 'missing' },
      { file: file('report.md'), problem: expect.stringMatching(/^sha256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}$/) },
      { file: file('snapshot.duckdb'), problem: `${bytes - 1} bytes, the manifest says ${bytes}` },
      { file: file('notes.txt'), problem: 'not in the manifest' },
    ]);

    const verify = await casepipe(ms.dir, 'snapshots', 'verify', '--month', MONTH);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toBe(`${MONTH}  v1  4 file(s) differ from the manifest\n`);
    expect(verify.stderr.split('\n').slice(0, 5)).toEqual([
      'casepipe: SNAPSHOT_CORRUPT: 4 file(s) differ from their manifest:',
      `  ${file('quality.parquet')}: missing`,
      expect.stringMatching(new RegExp(`^  ${file('report.md').replaceAll('.', '\\.')}: sha256 `)),
      `  ${file('snapshot.duckdb')}: ${bytes - 1} bytes, the manifest says ${bytes}`,
      `  ${file('notes.txt')}: not in the manifest`,
    ]);

    const report = await casepipe(ms.dir, 'report', '--month', MONTH);
    expect(report.code).toBe(1);
    expect(report.stdout).toBe('');
    expect(report.stderr).toMatch(new RegExp(`^casepipe: SNAPSHOT_CORRUPT: ${file('report.md').replaceAll('.', '\\.')}: sha256 .* is not used`));
    const limits = { spillRoot: path.join(ms.dir, 'tmp', 'query'), memoryLimit: '256MB', timeoutMs: 60_000 };
    await expect(queryRows(file('snapshot.duckdb'), 'SELECT 1', limits)).rejects.toMatchObject({
      code: 'SNAPSHOT_CORRUPT',
      message: expect.stringContaining(`${file('snapshot.duckdb')}: ${bytes - 1} bytes, the manifest says ${bytes}`),
    });
    // figures.json was not touched: the report's figures are still served.
    const json = await casepipe(ms.dir, 'report', '--month', MONTH, '--format', 'json');
    expect(json.code).toBe(0);
  });

  it('says so when there is nothing to verify', async () => {
    const r = await casepipe(ms.dir, 'snapshots', 'verify', '--month', '2025-07');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^casepipe: SNAPSHOT_NOT_FOUND: no snapshot of 2025-07 in /);
  });
});
