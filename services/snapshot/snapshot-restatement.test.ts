/**
 * Late data after a month's first snapshot: a new version with the diff against the previous one,
 * the earlier version untouched, and no new version when nothing changed.
 */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { CaseEvent } from '../contract/case-event.js';
import { monthOf } from '../contract/month.js';
import { generateMonth, type GeneratedMonth } from '../demo/month-generator.js';
import { referenceFigures, winners } from '../demo/reference-count.js';
import type { SnapshotOutcome } from './monthly-snapshot.js';
import type { SnapshotManifest } from './snapshot-folder.js';
import { monthEntries, openMonthStore, sha256, type MonthStore } from './testing/month-store.js';

const AUG = '2025-08';
const JUL = '2025-07';
const TARGETS = { fullOnlineReceived: 1200, fullOnlineCompleted: 1250, windowReceived: 60, windowDelivered: 120, mailed: 40, phoneConsultations: 50, onsiteConsultations: 150 };
const SEPT_3 = new Date('2025-09-03T02:00:00+08:00');
const SEPT_4 = new Date('2025-09-04T02:30:00+08:00');
const LATE_INGEST = Date.parse('2025-09-03T15:00:00+08:00');

describe('restating a month after late events', () => {
  let g: GeneratedMonth;
  let ms: MonthStore;
  let v1: SnapshotOutcome;
  let v1Files: Map<string, Buffer>;
  let moved: CaseEvent;
  let earlierCopy: CaseEvent;
  let newCall: CaseEvent;
  let augV2: SnapshotOutcome;
  let julV2: SnapshotOutcome;

  beforeAll(async () => {
    g = generateMonth({ month: AUG, seed: 5, targets: TARGETS });
    ms = await openMonthStore();
    await ms.apply(g.events);
    await ms.snapshot(JUL, { now: SEPT_3 });
    v1 = await ms.snapshot(AUG, { now: SEPT_3 });
    v1Files = new Map(fs.readdirSync(v1.folder).map((n) => [n, fs.readFileSync(path.join(v1.folder, n))]));

    // A full-online reception counted in August, of a department with at least two of them.
    const won = [...winners(g.events).values()];
    moved = won.find((e) => e.kind === 'RECEIVED' && e.channel === 'FULL_ONLINE' && monthOf(e.eventTime) === AUG && e.departmentCode === 'SCJGJ')!;
    // Its late EARLIER copy: event time on 31 July (CST), so the reception moves from August to July.
    earlierCopy = { ...moved, eventId: `${moved.eventId}.late`, eventTime: Date.parse('2025-07-31T10:00:00+08:00'), sourceRecordId: 'LATE-1' };
    // A phone consultation of August that arrives only in September.
    newCall = { ...won.find((e) => e.kind === 'CONSULTED' && e.channel === 'PHONE')!, caseId: 'RX20250820LATE01', eventId: 'ZXFW-RX20250820LATE01-Q0', eventTime: Date.parse('2025-08-20T11:00:00+08:00') };
    await ms.apply([earlierCopy, newCall], { ingestAt: LATE_INGEST });

    julV2 = await ms.snapshot(JUL, { now: SEPT_4 });
    augV2 = await ms.snapshot(AUG, { now: SEPT_4 });
  });
  afterAll(() => ms?.dispose());

  // The expected values are written out: seed 5 gives SCJGJ 190 full-online receptions (197 handled) in
  // August and 6 in July, and July 51 in all (50 received in July and completed in August, plus the
  // 23:58 CST boundary case); the help desk ZXFW takes all 50 phone calls.
  it('moves the milestone: the reference counts one reception less in August and one more in July', () => {
    const all = [...g.events, earlierCopy, newCall];
    expect(moved.departmentCode).toBe('SCJGJ');
    expect(referenceFigures(all, AUG).total.fullOnlineReceived).toBe(1199);
    expect(referenceFigures(g.events, JUL).total.fullOnlineReceived).toBe(51);
    expect(referenceFigures(all, JUL).total.fullOnlineReceived).toBe(52);
  });

  it("writes August v2 whose manifest diff says figure, department, old and new", () => {
    expect(augV2).toMatchObject({ month: AUG, version: 2, created: true });
    expect(augV2.manifest.previousVersion).toBe(1);
    expect(augV2.manifest.diff).toEqual([
      { figure: 'totalHandled', departmentCode: null, old: 1260, new: 1259 },
      { figure: 'fullOnlineReceived', departmentCode: null, old: 1200, new: 1199 },
      { figure: 'phoneConsultations', departmentCode: null, old: 50, new: 51 },
      { figure: 'totalHandled', departmentCode: 'SCJGJ', old: 197, new: 196 },
      { figure: 'fullOnlineReceived', departmentCode: 'SCJGJ', old: 190, new: 189 },
      { figure: 'phoneConsultations', departmentCode: 'ZXFW', old: 50, new: 51 },
    ]);
    const figures = JSON.parse(fs.readFileSync(path.join(augV2.folder, 'figures.json'), 'utf8'));
    expect(figures).toEqual(referenceFigures([...g.events, earlierCopy, newCall], AUG));
  });

  it('writes July v2 with the reception added', () => {
    expect(julV2).toMatchObject({ month: JUL, version: 2, created: true });
    expect(julV2.manifest.diff).toEqual([
      { figure: 'totalHandled', departmentCode: null, old: 51, new: 52 },
      { figure: 'fullOnlineReceived', departmentCode: null, old: 51, new: 52 },
      { figure: 'totalHandled', departmentCode: 'SCJGJ', old: 6, new: 7 },
      { figure: 'fullOnlineReceived', departmentCode: 'SCJGJ', old: 6, new: 7 },
    ]);
  });

  it('adds 更正说明 to report.md with the old and new values, and names the restated July', () => {
    const md = fs.readFileSync(path.join(augV2.folder, 'report.md'), 'utf8');
    expect(md).toContain('版本 v2');
    expect(md).toContain('## 更正说明');
    expect(md).toContain('本版本(v2)相对 v1 更正如下:');
    expect(md).toContain('| 受理政务服务事项全程网办 | 合计 | 1200 | 1199 | -1 |');
    expect(md).toContain('| 电话咨询 | ZXFW 咨询服务台 | 50 | 51 | +1 |');
    expect(md).toMatch(/已更正的月份:\s+- 2025年7月:v2,4 个数值变化/);
  });

  it('adds the 更正说明 sheet to report.xlsx', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(path.join(augV2.folder, 'report.xlsx'));
    expect(wb.worksheets.map((w) => w.name)).toEqual(['总体', '各部门', '数据质量', '更正说明']);
  });

  it("leaves v1's files byte for byte as its manifest says", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(v1.folder, 'manifest.json'), 'utf8')) as SnapshotManifest;
    expect(manifest).toEqual(v1.manifest);
    expect(fs.readdirSync(v1.folder).sort()).toEqual([...v1Files.keys()].sort());
    for (const f of manifest.files) expect({ name: f.name, sha256: sha256(path.join(v1.folder, f.name)) }).toEqual({ name: f.name, sha256: f.sha256 });
    for (const [name, bytes] of v1Files) expect(fs.readFileSync(path.join(v1.folder, name)).equals(bytes)).toBe(true);
  });

  it('writes no v3 when nothing new arrived, nor for a later copy that loses', async () => {
    const again = await ms.snapshot(AUG, { now: new Date('2025-09-05T02:30:00+08:00') });
    expect(again).toMatchObject({ version: 2, created: false, folder: augV2.folder });
    expect(again.manifest).toEqual(augV2.manifest);

    await ms.apply([{ ...newCall, eventId: `${newCall.eventId}.r9`, eventTime: newCall.eventTime + 60_000 }], { ingestAt: LATE_INGEST });
    const afterDuplicate = await ms.snapshot(AUG, { now: new Date('2025-09-06T02:30:00+08:00') });
    expect(afterDuplicate).toMatchObject({ version: 2, created: false });
    expect(monthEntries(ms.snapshotsDir, AUG)).toEqual(['v1', 'v2']);
  });
});
