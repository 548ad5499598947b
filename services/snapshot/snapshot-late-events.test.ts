/**
 * 迟到事件 in the report: the month's events read after its first snapshot, per department. A backfill
 * of a year-old month read before that month's first snapshot has none (the store's own counter, "read
 * in a later month than the event", called every one of them late).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sampleEvent } from '../contract/test-events.js';
import { generateMonth } from '../demo/month-generator.js';
import { queryRows } from './snapshot-query.js';
import { openMonthStore, type MonthStore } from './testing/month-store.js';

const LIMITS = { spillRoot: path.join(os.tmpdir(), `casepipe-query-test-${process.pid}`), memoryLimit: '256MB', timeoutMs: 120_000 };

const MONTH = '2025-08';
const TARGETS = { fullOnlineReceived: 150, fullOnlineCompleted: 150, windowReceived: 5, windowDelivered: 10, mailed: 3, phoneConsultations: 4, onsiteConsultations: 6 };
const A_YEAR_LATER = Date.parse('2026-09-15T00:00:00Z');

describe('迟到事件 (late events)', () => {
  let ms: MonthStore;
  beforeAll(async () => {
    ms = await openMonthStore();
  });
  afterAll(() => ms?.dispose());

  const late = async (folder: string) =>
    (await queryRows(path.join(folder, 'snapshot.duckdb'), `SELECT department_code, n FROM quality WHERE metric = 'late_events' ORDER BY ALL`, LIMITS));

  it('counts none in the first snapshot of a backfilled month, then the events read after it', async () => {
    await ms.apply(generateMonth({ month: MONTH, seed: 5, targets: TARGETS }).events, { ingestAt: A_YEAR_LATER });
    const v1 = await ms.snapshot(MONTH);
    expect(await late(v1.folder)).toEqual([]);
    expect(fs.readFileSync(path.join(v1.folder, 'report.md'), 'utf8')).toContain('- 迟到事件:0 条');

    // Three new August receptions of JTYST and a re-sent copy of one arrive after v1.
    const extra = [1, 2, 3].map((i) => sampleEvent('RECEIVED', { caseId: `LATE-${i}`, eventId: `late-${i}`, eventTime: Date.parse('2025-08-20T02:00:00Z') }));
    await ms.apply([...extra, { ...extra[0], eventId: 'late-1-copy' }], { ingestAt: A_YEAR_LATER + 86_400_000 });
    const v2 = await ms.snapshot(MONTH);
    expect(v2.version).toBe(2);
    expect(await late(v2.folder)).toEqual([{ department_code: 'JTYST', n: 4 }]);
    expect(fs.readFileSync(path.join(v2.folder, 'report.md'), 'utf8')).toContain('- 迟到事件:4 条');
  });
});
