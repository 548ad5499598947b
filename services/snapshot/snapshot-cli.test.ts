/**
 * The snapshot commands of the CLI as a user runs them (`node bin/casepipe.js ...`, a child process),
 * against a data dir whose snapshots/ holds a published month. No broker needed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { generateMonth, type GeneratedMonth } from '../demo/month-generator.js';
import type { SnapshotOutcome } from './monthly-snapshot.js';
import { openMonthStore, type MonthStore } from './testing/month-store.js';
import { casepipe } from './testing/run-cli.js';

const MONTH = '2025-08';
const TARGETS = { fullOnlineReceived: 500, fullOnlineCompleted: 520, windowReceived: 20, windowDelivered: 50, mailed: 10, phoneConsultations: 15, onsiteConsultations: 45 };

describe('casepipe snapshot commands (child processes)', () => {
  let g: GeneratedMonth;
  let ms: MonthStore;
  let out: SnapshotOutcome;

  beforeAll(async () => {
    g = generateMonth({ month: MONTH, seed: 17, targets: TARGETS });
    ms = await openMonthStore();
    await ms.apply(g.events);
    out = await ms.snapshot(MONTH, { now: new Date('2025-09-03T02:00:00+08:00') });
  });
  afterAll(() => ms?.dispose());

  it('snapshots list prints the month, version and folder', async () => {
    const r = await casepipe(ms.dir, 'snapshots', 'list');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(`${MONTH}  v1  2025-09-02T18:00:00.000Z  ${out.folder}\n`);
    const json = await casepipe(ms.dir, 'snapshots', 'list', '--json');
    expect(JSON.parse(json.stdout)).toEqual([
      { month: MONTH, version: 1, createdAt: '2025-09-02T18:00:00.000Z', provisional: false, early: false, restates: false, changes: 0, folder: out.folder },
    ]);
  });

  it('report prints report.md, and --format json prints the figures', async () => {
    const md = await casepipe(ms.dir, 'report', '--month', MONTH);
    expect(md.code).toBe(0);
    expect(md.stdout).toBe(fs.readFileSync(path.join(out.folder, 'report.md'), 'utf8'));
    expect(md.stdout).toContain(
      '8月,省本级办理政务服务事项 0.05 万件。各进驻部门(单位)窗口共受理政务服务事项全程网办 0.05 万件,办结政务服务事项全程网办 0.05 万件;' +
        '综合窗口受理政务服务事项 0.00 万件,窗口出件量 0.01 万件;政务大厅现场邮寄量 0.00 万件;为办事企业群众提供电话咨询 15 人(次)、现场咨询服务 45 人(次)。',
    );
    const json = await casepipe(ms.dir, 'report', '--month', MONTH, '--format', 'json');
    expect(JSON.parse(json.stdout)).toEqual(g.truth.figures);
    const xlsx = await casepipe(ms.dir, 'report', '--month', MONTH, '--format', 'xlsx');
    expect(xlsx.stdout.trim()).toBe(path.join(out.folder, 'report.xlsx'));
  });

  it('query prints a table, CSV and JSON lines', async () => {
    const sql = `SELECT figure, value FROM figures_total WHERE figure IN ('totalHandled', 'phoneConsultations') ORDER BY figure`;
    const table = await casepipe(ms.dir, 'query', '--month', MONTH, sql);
    expect(table).toMatchObject({ code: 0, stderr: '' });
    expect(table.stdout).toBe(['figure              value', '------------------  -----', 'phoneConsultations  15', 'totalHandled        520', '(2 rows)', ''].join('\n'));
    const csv = await casepipe(ms.dir, 'query', '--month', MONTH, '--format', 'csv', sql);
    expect(csv.stdout).toBe('figure,value\nphoneConsultations,15\ntotalHandled,520\n');
    const json = await casepipe(ms.dir, 'query', '--month', MONTH, '--format', 'json', `SELECT count(*)::INTEGER AS n FROM milestones WHERE month = '${MONTH}'`);
    expect(JSON.parse(json.stdout)).toEqual({ n: 1211 }); // seed 17's deduplicated August milestones
  });

  it('query refuses a write with the read-only error and exit 1', async () => {
    const r = await casepipe(ms.dir, 'query', '--month', MONTH, `DELETE FROM figures_total`);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^casepipe: QUERY_FAILED: .*Cannot execute statement of type "DELETE".*read-only mode/);
  });

  it.each([
    ['query', '2025-13', ['SELECT 1']],
    ['report', '08-2025', []],
  ])('%s with a bad --month %s exits 1 with CONFIG_INVALID', async (command, month, rest) => {
    const r = await casepipe(ms.dir, command, '--month', month, ...rest);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`casepipe: CONFIG_INVALID: --month must be YYYY-MM, got "${month}"\n`);
  });

  it('report of a month without a snapshot exits 1 with SNAPSHOT_NOT_FOUND', async () => {
    const r = await casepipe(ms.dir, 'report', '--month', '2025-07');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^casepipe: SNAPSHOT_NOT_FOUND: no snapshot of 2025-07/);
  });
});
