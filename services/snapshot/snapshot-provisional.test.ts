/**
 * A provisional version (taken while the worker lagged) is superseded by the first complete one even
 * when no figure changed; without that it would stay provisional forever.
 */
import fs from 'node:fs';
import path from 'node:path';
import { generateMonth, type GeneratedMonth } from '../demo/month-generator.js';
import type { SnapshotOutcome } from './monthly-snapshot.js';
import { monthEntries, openMonthStore, TEST_LAG_THRESHOLD, type MonthStore } from './testing/month-store.js';

const MONTH = '2025-08';
const TARGETS = { fullOnlineReceived: 600, fullOnlineCompleted: 620, windowReceived: 30, windowDelivered: 60, mailed: 20, phoneConsultations: 20, onsiteConsultations: 60 };
const LAGGING = { total: TEST_LAG_THRESHOLD + 500, partitions: [{ partition: 0, lag: TEST_LAG_THRESHOLD + 500 }] };
const CAUGHT_UP = { total: 0, partitions: [{ partition: 0, lag: 0 }] };
const at = (day: number) => new Date(`2025-09-0${day}T02:00:00+08:00`);

describe('a provisional snapshot when the worker has caught up', () => {
  let g: GeneratedMonth;
  let ms: MonthStore;
  let v1: SnapshotOutcome;
  let stillLagging: SnapshotOutcome;
  let v2: SnapshotOutcome;
  let again: SnapshotOutcome;

  beforeAll(async () => {
    g = generateMonth({ month: MONTH, seed: 3, targets: TARGETS });
    ms = await openMonthStore();
    await ms.apply(g.events);
    v1 = await ms.snapshot(MONTH, { now: at(1), lag: LAGGING });
    stillLagging = await ms.snapshot(MONTH, { now: at(2), lag: LAGGING });
    // Nothing new was stored: the figures are the same, only the lag is gone.
    v2 = await ms.snapshot(MONTH, { now: at(3), lag: CAUGHT_UP });
    again = await ms.snapshot(MONTH, { now: at(4), lag: CAUGHT_UP });
  });
  afterAll(() => ms?.dispose());

  it('writes v1 as provisional while the lag is above the threshold', () => {
    expect(v1).toMatchObject({ version: 1, created: true });
    expect(v1.manifest).toMatchObject({ provisional: true, provisionalReason: expect.stringContaining(`${LAGGING.total} records were not yet counted`) });
    expect(fs.readFileSync(path.join(v1.folder, 'report.md'), 'utf8')).toContain('数据未完整(暂定数)');
  });

  it('writes no new version while it still lags and nothing changed', () => {
    expect(stillLagging).toMatchObject({ version: 1, created: false });
  });

  it('writes v2, not provisional, with the same figures and an empty diff', () => {
    expect(v2).toMatchObject({ version: 2, created: true });
    expect(v2.manifest).toMatchObject({ previousVersion: 1, provisional: false, provisionalReason: null, diff: [] });
    const figures = (v: SnapshotOutcome) => JSON.parse(fs.readFileSync(path.join(v.folder, 'figures.json'), 'utf8'));
    expect(figures(v2)).toEqual(figures(v1));
    expect(figures(v2)).toEqual(g.truth.figures);
  });

  it("says in v2's report that it is no longer provisional", () => {
    const md = fs.readFileSync(path.join(v2.folder, 'report.md'), 'utf8');
    expect(md).toContain('## 更正说明');
    expect(md).toContain('v1 为暂定数(快照时数据未完整);本版本(v2)数据已完整,不再是暂定数。');
    expect(md).toContain('本版本(v2)与 v1 相比各项数字无变化。');
    expect(md).not.toContain('数据未完整(暂定数)');
  });

  it('writes no v3 once the standing version is complete and nothing changed', () => {
    expect(again).toMatchObject({ version: 2, created: false, folder: v2.folder });
    expect(monthEntries(ms.snapshotsDir, MONTH)).toEqual(['v1', 'v2']);
  });
});
