/**
 * A snapshot killed (SIGKILL) after writing every file but before publishing leaves no version
 * folder, only a `.tmp-*` leftover; the next run removes it and writes v1.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateMonth } from '../demo/month-generator.js';
import { SNAPSHOT_TABLES } from './monthly-snapshot.js';
import { listVersions } from './snapshot-folder.js';
import { monthEntries, openMonthStore, sha256, TEST_TOPIC, type MonthStore } from './testing/month-store.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCRIPT = path.join(ROOT, 'services/snapshot/testing/snapshot-then-die.ts');
const MONTH = '2025-08';
const TARGETS = { fullOnlineReceived: 800, fullOnlineCompleted: 820, windowReceived: 40, windowDelivered: 90, mailed: 20, phoneConsultations: 30, onsiteConsultations: 90 };

describe('a snapshot killed before it is published', () => {
  let ms: MonthStore;
  afterAll(() => ms?.dispose());

  it('leaves only a .tmp-* leftover, and the next run writes v1 and removes it', async () => {
    const g = generateMonth({ month: MONTH, seed: 9, targets: TARGETS });
    ms = await openMonthStore();
    await ms.apply(g.events);
    ms.closeStore(); // DuckDB: one process at a time on the live store

    const child = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, ms.storePath, ms.snapshotsDir, TEST_TOPIC, MONTH], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect({ signal: child.signal, stdout: child.stdout, stderr: child.stderr }).toEqual({ signal: 'SIGKILL', stdout: expect.stringContaining('dying before'), stderr: expect.any(String) });

    const entries = monthEntries(ms.snapshotsDir, MONTH);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatch(/^\.tmp-/);
    expect(listVersions(ms.snapshotsDir, MONTH)).toEqual([]);
    // It died after writing everything: the leftover is complete, it just was never published.
    const leftover = path.join(ms.snapshotsDir, MONTH, entries[0]);
    expect(fs.readdirSync(leftover).sort()).toEqual(
      [...SNAPSHOT_TABLES.map((t) => `${t}.parquet`), 'figures.json', 'manifest.json', 'report.html', 'report.md', 'report.xlsx', 'snapshot.duckdb'].sort(),
    );

    await ms.reopenStore();
    const out = await ms.snapshot(MONTH);
    expect(out).toMatchObject({ version: 1, created: true });
    expect(monthEntries(ms.snapshotsDir, MONTH)).toEqual(['v1']);
    expect(JSON.parse(fs.readFileSync(path.join(out.folder, 'figures.json'), 'utf8'))).toEqual(g.truth.figures);
    for (const f of out.manifest.files) expect(sha256(path.join(out.folder, f.name))).toBe(f.sha256);
  }, 90_000);
});
