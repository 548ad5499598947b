/**
 * Months side by side: the latest version of every month's snapshot in one read-only query, with a
 * month column; the CLI's --months/--all, --version v1, JSON numbers and the interactive prompt
 * (a child process driven through its stdin). No broker needed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateMonth } from '../demo/month-generator.js';
import { isCasepipeError } from '../platform/errors.js';
import { latestMonthSnapshots, parseMonthRange } from './cross-month-views.js';
import { changeRatio, formatChange, formatFigure } from '../report/number-format.js';
import { latestFigures } from './snapshot-folder.js';
import { version } from '../cli/commands/snapshots.js';
import { queryRows, snapshotDatabase } from './snapshot-query.js';
import { openMonthStore, sha256, type MonthStore } from './testing/month-store.js';
import { runCasepipe } from './testing/run-cli.js';

const LIMITS = { spillRoot: path.join(os.tmpdir(), `casepipe-query-test-${process.pid}`), memoryLimit: '256MB', timeoutMs: 120_000 };

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MONTHS = ['2025-06', '2025-07', '2025-08'];
const TARGETS = { fullOnlineReceived: 200, fullOnlineCompleted: 210, windowReceived: 10, windowDelivered: 20, mailed: 5, phoneConsultations: 8, onsiteConsultations: 12 };

const casepipe = (dataDir: string, args: string[], stdin?: string) => runCasepipe({ CASEPIPE_DATA_DIR: dataDir, KAFKA_BROKERS: undefined }, args, stdin);

describe('queries across months', () => {
  let ms: MonthStore;
  const received: Record<string, number> = {};
  const mailed: Record<string, number> = {};

  beforeAll(async () => {
    ms = await openMonthStore();
    for (const [i, month] of MONTHS.entries()) {
      const g = generateMonth({ month, seed: 40 + i, targets: { ...TARGETS, fullOnlineReceived: TARGETS.fullOnlineReceived + 50 * i } });
      await ms.apply(g.events);
    }
    // Each generated month spills a few events over its boundaries, so the published figures are the truth here.
    for (const month of MONTHS) {
      await ms.snapshot(month);
      received[month] = latestFigures(ms.snapshotsDir, month)!.total.fullOnlineReceived;
      mailed[month] = latestFigures(ms.snapshotsDir, month)!.total.mailed;
    }
  });
  afterAll(() => ms?.dispose());

  it('parses month ranges and refuses bad ones', () => {
    expect(parseMonthRange('2025-01..2025-08')).toEqual({ from: '2025-01', to: '2025-08' });
    expect(parseMonthRange('2025-07..')).toEqual({ from: '2025-07', to: '9999-12' });
    expect(parseMonthRange('2025-07')).toEqual({ from: '2025-07', to: '2025-07' });
    for (const bad of ['2025-08..2025-01', '2025-13..', 'x', '2025-01..2025-02..2025-03']) {
      expect(() => parseMonthRange(bad)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    }
  });

  it('stacks every month in one view with a month column, numbers as numbers', async () => {
    const r = await queryRows(latestMonthSnapshots(ms.snapshotsDir), `SELECT month, value FROM figures_total WHERE figure = 'fullOnlineReceived' ORDER BY month`, LIMITS);
    expect(r).toEqual(MONTHS.map((month) => ({ month, value: received[month] })));
    const m = await queryRows(latestMonthSnapshots(ms.snapshotsDir), `SELECT month, count(*) AS n FROM milestones WHERE kind = 'RECEIVED' AND channel = 'FULL_ONLINE' GROUP BY month ORDER BY month`, LIMITS);
    expect(m).toEqual(MONTHS.map((month) => ({ month, n: received[month] })));
    const d = await queryRows(latestMonthSnapshots(ms.snapshotsDir, parseMonthRange('2025-07..')), `SELECT DISTINCT month FROM case_durations ORDER BY month`, LIMITS);
    expect(d).toEqual([{ month: '2025-07' }, { month: '2025-08' }]);
  });

  it('compares each month with the earlier months’ latest snapshots: figures tables, report.md, report.html', async () => {
    const [june, july, august] = MONTHS.map((m) => latestFigures(ms.snapshotsDir, m)!);
    const r = await queryRows(
      latestMonthSnapshots(ms.snapshotsDir),
      `SELECT month, department_code, value, value_previous_month, change_month_on_month, value_previous_year, change_year_on_year
       FROM figures_by_department WHERE figure = 'totalHandled' AND department_code = 'JTYST' ORDER BY month`, LIMITS);
    const jtyst = (f: typeof june) => f.departments.find((d) => d.departmentCode === 'JTYST')!.figures.totalHandled;
    expect(r).toEqual([
      { month: '2025-06', department_code: 'JTYST', value: jtyst(june), value_previous_month: null, change_month_on_month: null, value_previous_year: null, change_year_on_year: null },
      { month: '2025-07', department_code: 'JTYST', value: jtyst(july), value_previous_month: jtyst(june), change_month_on_month: changeRatio(jtyst(july), jtyst(june)), value_previous_year: null, change_year_on_year: null },
      { month: '2025-08', department_code: 'JTYST', value: jtyst(august), value_previous_month: jtyst(july), change_month_on_month: changeRatio(jtyst(august), jtyst(july)), value_previous_year: null, change_year_on_year: null },
    ]);
    const folder = path.dirname(latestMonthSnapshots(ms.snapshotsDir, parseMonthRange('2025-08'))[0].file);
    const md = fs.readFileSync(path.join(folder, 'report.md'), 'utf8');
    expect(md).toContain(`| 办理政务服务事项 | ${formatFigure('totalHandled', august.total.totalHandled)} | ${august.total.totalHandled} | 件 | ${formatChange(august.total.totalHandled, july.total.totalHandled)} | — |`);
    expect(md).toContain('环比对比 2025年7月(该月最新快照)。注:2024年8月没有快照,同比记为 —。');
    const html = fs.readFileSync(path.join(folder, 'report.html'), 'utf8');
    const bars = [...html.matchAll(/data-figure="mailed".*?<\/svg>/gs)][0][0];
    expect([...bars.matchAll(/data-month="(2025-0[678])" data-value="(\d*)"/g)].map((m) => [m[1], Number(m[2])])).toEqual([
      ['2025-06', june.total.mailed],
      ['2025-07', july.total.mailed],
      ['2025-08', august.total.mailed],
    ]);
  });

  it.each([
    ['INSERT', `INSERT INTO s2025_08.figures_total (figure, label_zh, unit, value) VALUES ('mailed', 'x', 'cases', 1)`, /read-only/],
    ['COPY onto a snapshot file', `COPY (SELECT 1) TO '{file}' (FORMAT csv, USE_TMP_FILE false)`, /COPY statements are refused/],
    ['DETACH (then a read-write ATTACH)', `DETACH s2025_08`, /DETACH statements are refused/],
    ['ATTACH', `ATTACH '{file}' AS w (READ_WRITE)`, /ATTACH statements are refused/],
  ])('refuses %s and leaves every snapshot as published', async (_what, template, message) => {
    const snapshots = latestMonthSnapshots(ms.snapshotsDir);
    const before = snapshots.map((s) => sha256(s.file));
    const err = await queryRows(snapshots, template.replace('{file}', snapshots[2].file), LIMITS).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isCasepipeError(err, 'QUERY_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(message);
    expect(snapshots.map((s) => sha256(s.file))).toEqual(before);
    // The same refusal on one snapshot opened alone.
    const alone = await queryRows(snapshots[2].file, `COPY (SELECT 1) TO '${snapshots[2].file}' (FORMAT csv, USE_TMP_FILE false)`, LIMITS).catch((e: Error) => e);
    expect((alone as Error).message).toMatch(/COPY statements are refused/);
    expect(sha256(snapshots[2].file)).toBe(before[2]);
  });

  it('--version takes v1 and 1; a missing version names the versions that exist', () => {
    expect([version('v1'), version('1'), version('V12'), version(undefined)]).toEqual([1, 1, 12, undefined]);
    for (const bad of ['latest', '0', 'v0', '1.5', 'v']) expect(() => version(bad)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => snapshotDatabase(ms.snapshotsDir, '2025-08', 3)).toThrow(/no version 3 of 2025-08 .*; 2025-08 has v1$/);
  });

  it('casepipe query: --months as CSV, every month as JSON numbers, --version v1; snapshots list finds the demo’s', async () => {
    const sql = `SELECT month, value FROM figures_total WHERE figure = 'fullOnlineReceived' ORDER BY month`;
    const csv = await casepipe(ms.dir, ['query', '--months', '2025-07..2025-08', '--format', 'csv', sql]);
    expect(csv).toMatchObject({ code: 0, stderr: '' });
    expect(csv.stdout).toBe(`month,value\n2025-07,${received['2025-07']}\n2025-08,${received['2025-08']}\n`);
    const json = await casepipe(ms.dir, ['query', '--format', 'json', sql]);
    expect(json.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual(MONTHS.map((month) => ({ month, value: received[month] })));
    const one = await casepipe(ms.dir, ['query', '--month', '2025-08', '--version', 'v1', '--format', 'json', 'SELECT version FROM snapshot_info']);
    expect(one).toMatchObject({ code: 0, stdout: '{"version":1}\n' });
    // After the demo (its own folder <data>/demo), snapshots list names where its snapshots are.
    fs.cpSync(path.join(ms.snapshotsDir, '2025-08'), path.join(ms.dir, 'demo', 'snapshots', '2025-08'), { recursive: true });
    const list = await casepipe(ms.dir, ['snapshots', 'list']);
    expect(list.stdout).toContain(`the demo's snapshots (2025-08) are in ${path.join(ms.dir, 'demo', 'snapshots')}; use them with\n  CASEPIPE_DATA_DIR=${path.relative(ROOT, path.join(ms.dir, 'demo'))} npx casepipe snapshots list\n`);
  });

  it('casepipe query without SQL opens a prompt: .tables, .schema, multi-line SQL, errors, history, .quit', async () => {
    const history = path.join(ms.dir, 'query_history');
    fs.rmSync(history, { force: true });
    const r = await casepipe(
      ms.dir,
      ['query', '--months', '2025-06..2025-07'],
      ['.tables', '.schema figures_total', 'SELECT month, value', "FROM figures_total WHERE figure = 'mailed' ORDER BY month;", 'SELECT nope;', '.quit', 'SELECT 1;'].join('\n') + '\n',
    );
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('casepipe query, read-only: 2025-06 v1, 2025-07 v1');
    expect(r.stdout).toMatch(/figures_by_department\s+VIEW/);
    expect(r.stdout).toMatch(/figures_total\s+month\s+VARCHAR/);
    expect(r.stdout).toMatch(new RegExp(`month\\s+value\\n-+\\s+-+\\n2025-06\\s+${mailed['2025-06']}\\n2025-07\\s+${mailed['2025-07']}\\n\\(2 rows\\)`));
    expect(r.stdout).toMatch(/error: .*nope/);
    expect(r.stdout).not.toContain('(1 rows)'); // nothing runs after .quit
    expect(fs.readFileSync(history, 'utf8')).toBe(
      [".tables", '.schema figures_total', "SELECT month, value FROM figures_total WHERE figure = 'mailed' ORDER BY month;", 'SELECT nope;', '.quit', ''].join('\n'),
    );
  });
});
