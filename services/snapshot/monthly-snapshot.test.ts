/**
 * The monthly snapshot job on a live store filled with a generated month of known ground truth
 * (no Kafka): figures, report, manifest, Parquet and Excel read back.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import ExcelJS from 'exceljs';
import { monthOf } from '../contract/month.js';
import { AUGUST_2025_TARGETS, generateMonth, type GeneratedMonth, type MonthTargets } from '../demo/month-generator.js';
import { referenceFigures, winners } from '../demo/reference-count.js';
import { FIGURE_KEYS } from '../figures/window-figures.js';
import { SNAPSHOT_TABLES, type SnapshotOutcome } from './monthly-snapshot.js';
import { monthEntries, openMonthStore, sha256, TEST_PARTITIONS, TEST_TOPIC, type MonthStore } from './testing/month-store.js';

const MONTH = '2025-08';
/** August 2025's published figures at a tenth of the scale: 5,250 handled → 0.525 → 0.53 万件 (half up). */
const TENTH_OF_AUGUST: MonthTargets = {
  fullOnlineReceived: 5090,
  fullOnlineCompleted: 5220,
  windowReceived: 160,
  windowDelivered: 340,
  mailed: 80,
  phoneConsultations: 109,
  onsiteConsultations: 481,
};
const NOW = new Date('2025-09-03T02:00:00+08:00');
/** Dead letters are ingested mid-August, so they count in August's data-quality section. */
const DEAD_LETTER_AT = Date.parse('2025-08-15T10:00:00+08:00');

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Rows of one query on a DuckDB file opened READ_ONLY, or on an in-memory database (for Parquet). */
async function readOnlyRows(file: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(file, file === ':memory:' ? {} : { access_mode: 'READ_ONLY' });
  const conn = await instance.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

const memoryRows = (sql: string) => readOnlyRows(':memory:', sql);

describe('snapshotMonth on a tenth of August 2025 (seeded, known truth)', () => {
  let g: GeneratedMonth;
  let ms: MonthStore;
  let out: SnapshotOutcome;
  const file = (name: string) => path.join(out.folder, name);

  beforeAll(async () => {
    g = generateMonth({ month: MONTH, seed: 11, targets: TENTH_OF_AUGUST });
    ms = await openMonthStore();
    await ms.apply(g.events, { deadLetters: g.malformed, deadLetterAt: DEAD_LETTER_AT });
    out = await ms.snapshot(MONTH, { now: NOW });
  });
  afterAll(() => ms?.dispose());

  it('writes v1 with the generated truth in figures.json', () => {
    expect(out).toMatchObject({ month: MONTH, version: 1, created: true });
    expect(out.folder).toBe(path.join(ms.snapshotsDir, MONTH, 'v1'));
    expect(g.truth.figures.total).toEqual({ ...TENTH_OF_AUGUST, totalHandled: 5250 });
    // The truth is also what the reference dedup gives over the events (guards the fixture itself).
    expect(referenceFigures(g.events, MONTH)).toEqual(g.truth.figures);
    expect(JSON.parse(fs.readFileSync(file('figures.json'), 'utf8'))).toEqual(g.truth.figures);
  });

  it('has figures_total and figures_by_department in snapshot.duckdb equal to the truth', async () => {
    const totals = await readOnlyRows(file('snapshot.duckdb'), 'SELECT figure, label_zh, unit, value FROM figures_total');
    expect(totals.map((r) => r.figure)).toEqual([...FIGURE_KEYS]);
    expect(Object.fromEntries(totals.map((r) => [r.figure, Number(r.value)]))).toEqual(g.truth.figures.total);
    expect(totals[0]).toMatchObject({ label_zh: '办理政务服务事项', unit: 'cases' });

    const byDept = await readOnlyRows(
      file('snapshot.duckdb'),
      'SELECT department_code, department_name, figure, value FROM figures_by_department ORDER BY department_code, figure',
    );
    const expected = g.truth.figures.departments
      .flatMap((d) => FIGURE_KEYS.map((k) => ({ department_code: d.departmentCode, department_name: d.departmentName, figure: k, value: d.figures[k] })))
      .sort((a, b) => cmp(a.department_code, b.department_code) || cmp(a.figure, b.figure));
    expect(byDept.map((r) => ({ ...r, value: Number(r.value) }))).toEqual(expected);
    expect(new Set(byDept.map((r) => r.department_code)).size).toBeGreaterThanOrEqual(40);
  });

  it('writes the section 一 sentence, half up, in report.md', () => {
    const md = fs.readFileSync(file('report.md'), 'utf8');
    // Written by hand from DOMAIN.md's sentence: 5,250 → 0.525 → 0.53 万件; 160 → 0.02; 340 → 0.03; 80 → 0.01.
    expect(md).toContain(
      '8月,省本级办理政务服务事项 0.53 万件。各进驻部门(单位)窗口共受理政务服务事项全程网办 0.51 万件,' +
        '办结政务服务事项全程网办 0.52 万件;综合窗口受理政务服务事项 0.02 万件,窗口出件量 0.03 万件;' +
        '政务大厅现场邮寄量 0.01 万件;为办事企业群众提供电话咨询 109 人(次)、现场咨询服务 481 人(次)。',
    );
    expect(md).toContain('版本 v1 · 快照时间 2025-09-03 02:00');
    expect(md).not.toContain('## 更正说明');
    expect(md).not.toContain('暂定数');
  });

  it('writes one row per department in report.md, with the total row', () => {
    const md = fs.readFileSync(file('report.md'), 'utf8');
    for (const d of g.truth.figures.departments) {
      expect(md).toContain(`| ${d.departmentCode} | ${d.departmentName} | ${FIGURE_KEYS.map((k) => d.figures[k]).join(' | ')} |`);
    }
    expect(md).toContain(`| **合计** |  | ${FIGURE_KEYS.map((k) => `**${g.truth.figures.total[k]}**`).join(' | ')} |`);
  });

  it('counts the dead letters of the month in the data-quality section', () => {
    const md = fs.readFileSync(file('report.md'), 'utf8');
    expect(g.malformed.length).toBeGreaterThan(0);
    expect(md).toContain(`- 死信:${g.malformed.length} 条`);
    expect(md).toContain(`- 读取事件:`);
  });

  describe('manifest.json', () => {
    let manifest: typeof out.manifest;
    beforeAll(() => {
      manifest = JSON.parse(fs.readFileSync(file('manifest.json'), 'utf8'));
    });

    it('is version 1 of the month, with no previous version and no diff', () => {
      expect(manifest).toMatchObject({ month: MONTH, version: 1, previousVersion: null, createdAt: NOW.toISOString(), provisional: false, provisionalReason: null, diff: [] });
    });

    it("records the store's next offset of every partition", async () => {
      const stored = await ms.store.storedOffsets(TEST_TOPIC);
      expect(stored.size).toBe(TEST_PARTITIONS);
      // Written out: seed 11's events and malformed records laid out on 4 partitions by case id.
      expect(manifest.offsets).toEqual([
        { topic: TEST_TOPIC, partition: 0, nextOffset: '3723' },
        { topic: TEST_TOPIC, partition: 1, nextOffset: '4040' },
        { topic: TEST_TOPIC, partition: 2, nextOffset: '3732' },
        { topic: TEST_TOPIC, partition: 3, nextOffset: '3687' },
      ]);
      expect(manifest.offsets.map((o) => Number(o.nextOffset))).toEqual(ms.nextOffsets);
    });

    it('has row counts equal to the deduplicated events of the month and to the tables', async () => {
      const won = [...winners(g.events).values()].filter((e) => monthOf(e.eventTime) === MONTH);
      const milestones = won.filter((e) => e.kind !== 'CONSULTED');
      const received = new Set([...winners(g.events).values()].filter((e) => e.kind === 'RECEIVED').map((e) => e.caseId));
      const deadLetterPairs = new Set(g.malformed.map((m) => `${m.reason}/${m.departmentCode}`));
      // Written out for seed 11, and the same by the reference counter below.
      expect(manifest.rowCounts).toMatchObject({ milestones: 11916, consultations: 600, case_durations: 5679, dead_letters: 50, partition_offsets: 4 });
      expect(manifest.rowCounts).toMatchObject({
        milestones: milestones.length,
        consultations: won.length - milestones.length,
        case_durations: milestones.filter((e) => e.kind === 'COMPLETED' && received.has(e.caseId)).length,
        dead_letters: deadLetterPairs.size,
        partition_offsets: TEST_PARTITIONS,
      });
      const db = file('snapshot.duckdb');
      for (const [table, n] of Object.entries(manifest.rowCounts)) {
        const [row] = await readOnlyRows(db, `SELECT count(*)::INTEGER AS n FROM ${table}`);
        expect({ table, n: row.n }).toEqual({ table, n });
      }
      expect(Object.keys(manifest.rowCounts).sort()).toEqual(['case_durations', 'consultations', 'dead_letters', 'milestones', 'partition_offsets', 'quality']);
    });

    it('lists every file of the folder with its size and sha256, and the files are read-only', () => {
      const names = fs.readdirSync(out.folder).filter((n) => n !== 'manifest.json').sort();
      expect(names).toEqual(
        [...SNAPSHOT_TABLES.map((t) => `${t}.parquet`), 'figures.json', 'report.html', 'report.md', 'report.xlsx', 'snapshot.duckdb'].sort(),
      );
      expect(manifest.files.map((f) => f.name)).toEqual(names);
      for (const f of manifest.files) {
        expect({ name: f.name, bytes: f.bytes, sha256: f.sha256 }).toEqual({ name: f.name, bytes: fs.statSync(file(f.name)).size, sha256: sha256(file(f.name)) });
      }
      for (const n of fs.readdirSync(out.folder)) expect({ n, mode: fs.statSync(file(n)).mode & 0o777 }).toEqual({ n, mode: 0o444 });
    });

    it('leaves no temporary folder behind', () => {
      expect(monthEntries(ms.snapshotsDir, MONTH)).toEqual(['v1']);
    });
  });

  describe('Parquet copies read back by DuckDB', () => {
    it('have the row counts of the manifest', async () => {
      for (const [table, n] of Object.entries(out.manifest.rowCounts)) {
        const [row] = await memoryRows(`SELECT count(*)::INTEGER AS n FROM read_parquet('${file(`${table}.parquet`)}')`);
        expect({ table, n: row.n }).toEqual({ table, n });
      }
    });

    it('have figures_total and figures_by_department equal to figures.json', async () => {
      const figures = JSON.parse(fs.readFileSync(file('figures.json'), 'utf8'));
      const totals = await memoryRows(`SELECT figure, value FROM read_parquet('${file('figures_total.parquet')}')`);
      expect(Object.fromEntries(totals.map((r) => [r.figure, Number(r.value)]))).toEqual(figures.total);
      const [sum] = await memoryRows(`SELECT sum(value)::BIGINT AS s, count(DISTINCT department_code)::INTEGER AS d FROM read_parquet('${file('figures_by_department.parquet')}')`);
      expect(Number(sum.s)).toBe(FIGURE_KEYS.reduce((s, k) => s + figures.total[k], 0));
      expect(sum.d).toBe(figures.departments.length);
    });

    it("keep the milestones of the month only, without the store's internal key columns", async () => {
      const rows = await memoryRows(
        `SELECT min(month) AS lo, max(month) AS hi, count(*) FILTER (WHERE kind = 'RECEIVED' AND channel = 'FULL_ONLINE')::INTEGER AS r
         FROM read_parquet('${file('milestones.parquet')}')`,
      );
      expect(rows[0]).toEqual({ lo: MONTH, hi: MONTH, r: TENTH_OF_AUGUST.fullOnlineReceived });
      const cols = await memoryRows(`SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet('${file('milestones.parquet')}'))`);
      expect(cols.map((c) => c.column_name)).not.toContain('key_hash');
      expect(cols.map((c) => c.column_name)).toContain('event_at');
    });
  });

  describe('report.xlsx read back with exceljs', () => {
    let wb: ExcelJS.Workbook;
    beforeAll(async () => {
      wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(file('report.xlsx'));
    });

    it('has the sheets 总体, 各部门, 数据质量 (no 更正说明 in v1)', () => {
      expect(wb.worksheets.map((w) => w.name)).toEqual(['总体', '各部门', '数据质量']);
    });

    it('has the eight totals on 总体', () => {
      const s = wb.getWorksheet('总体')!;
      const rows = FIGURE_KEYS.map((_, i) => [s.getCell(`A${i + 2}`).value, s.getCell(`B${i + 2}`).value]);
      expect(rows).toEqual([
        ['办理政务服务事项', 5250],
        ['受理政务服务事项全程网办', 5090],
        ['办结政务服务事项全程网办', 5220],
        ['综合窗口受理政务服务事项', 160],
        ['窗口出件量', 340],
        ['政务大厅现场邮寄量', 80],
        ['电话咨询', 109],
        ['现场咨询服务', 481],
      ]);
      expect(s.getCell('D2').value).toBe(0.53);
    });

    it('has one row per department on 各部门 and the SUM row', () => {
      const s = wb.getWorksheet('各部门')!;
      const depts = g.truth.figures.departments;
      depts.forEach((d, i) => {
        const row = s.getRow(i + 2).values as unknown[];
        // No July snapshot: 办理事项 环比 and 同比 are —.
        expect(row.slice(1)).toEqual([d.departmentCode, d.departmentName, ...FIGURE_KEYS.map((k) => d.figures[k]), '—', '—']);
      });
      expect(s.getCell(`C${depts.length + 2}`).value).toEqual({ formula: `SUM(C2:C${depts.length + 1})`, result: 5250 });
    });
  });
});

describe('snapshotMonth on the full August 2025 demo month', () => {
  it('writes the published sentence of DOMAIN.md', async () => {
    const g = generateMonth({ month: MONTH, seed: 7 });
    expect(g.truth.figures.total).toEqual({ ...AUGUST_2025_TARGETS, totalHandled: 52500 });
    const ms = await openMonthStore();
    try {
      await ms.apply(g.events);
      const out = await ms.snapshot(MONTH, { now: NOW });
      expect(JSON.parse(fs.readFileSync(path.join(out.folder, 'figures.json'), 'utf8'))).toEqual(g.truth.figures);
      expect(fs.readFileSync(path.join(out.folder, 'report.md'), 'utf8')).toContain(
        '8月,省本级办理政务服务事项 5.25 万件。各进驻部门(单位)窗口共受理政务服务事项全程网办 5.09 万件,' +
          '办结政务服务事项全程网办 5.22 万件;综合窗口受理政务服务事项 0.16 万件,窗口出件量 0.34 万件;' +
          '政务大厅现场邮寄量 0.08 万件;为办事企业群众提供电话咨询 1093 人(次)、现场咨询服务 4811 人(次)。',
      );
    } finally {
      ms.dispose();
    }
  }, 60_000);
});
