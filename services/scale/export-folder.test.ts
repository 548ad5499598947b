import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportFolderName, listExports, newestExport, partitionDir, pruneExports, type ExportManifest } from './export-folder.js';
import { pickExports } from './merged-exports.js';

const manifest = (partition: number, generation: number, offset: string, worker: string, exportedAt = '2025-09-03T00:00:00.000Z'): ExportManifest => ({
  month: '2025-08',
  topic: 't',
  partition,
  offset,
  generation,
  worker,
  memberId: `${worker}-member`,
  exportedAt,
  rows: {},
});

function publish(dir: string, m: ExportManifest): void {
  const folder = path.join(partitionDir(dir, m.month, m.partition), exportFolderName(m));
  fs.mkdirSync(folder, { recursive: true });
  fs.writeFileSync(path.join(folder, 'manifest.json'), JSON.stringify(m));
}

describe('which export of a partition counts', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exports-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a stale export of a partition that moved never wins over the new owner’s, even covering more offsets', () => {
    // Worker a owned p3 in generation 5 and got to offset 9000; the group moved p3 to b in
    // generation 6, which has replayed to 4000 so far. b's export counts; the snapshot shows the lag.
    publish(dir, manifest(3, 5, '9000', 'a'));
    publish(dir, manifest(3, 6, '4000', 'b'));
    expect(newestExport(listExports(dir, '2025-08', 3))?.manifest.worker).toBe('b');
    const { picks, lag } = pickExports(dir, '2025-08', [{ partition: 3, high: '9500', low: '0' }]);
    expect(picks[0].export?.manifest.worker).toBe('b');
    expect(lag).toEqual({ total: 5500, partitions: [{ partition: 3, lag: 5500 }] });
  });

  it('within a generation the higher offset wins, and the order of listing does not matter', () => {
    for (const m of [manifest(0, 7, '100', 'a'), manifest(0, 7, '250', 'a'), manifest(0, 6, '900', 'c'), manifest(0, 7, '20', 'a')]) publish(dir, m);
    expect(newestExport(listExports(dir, '2025-08', 0))?.manifest.offset).toBe('250');
    expect(newestExport(listExports(dir, '2025-08', 0).reverse())?.manifest.offset).toBe('250');
  });

  it('offsets compare as numbers, not text', () => {
    publish(dir, manifest(1, 2, '999', 'a'));
    publish(dir, manifest(1, 2, '1000', 'a'));
    expect(newestExport(listExports(dir, '2025-08', 1))?.manifest.offset).toBe('1000');
  });

  it('an export being written (no manifest yet) is not seen; a partition without exports lags by its whole content', () => {
    fs.mkdirSync(path.join(partitionDir(dir, '2025-08', 2), '.tmp-a-x'), { recursive: true });
    fs.mkdirSync(path.join(partitionDir(dir, '2025-08', 2), 'g0000000009-o00000000000000000001-a'), { recursive: true });
    expect(listExports(dir, '2025-08', 2)).toEqual([]);
    const { lag } = pickExports(dir, '2025-08', [{ partition: 2, high: '70', low: '5' }]);
    expect(lag.total).toBe(65);
  });

  it('pruning keeps the newest exports', () => {
    for (let o = 1; o <= 5; o++) publish(dir, manifest(4, 1, String(o * 10), 'a'));
    pruneExports(dir, '2025-08', 4, 2);
    expect(listExports(dir, '2025-08', 4).map((e) => e.manifest.offset).sort()).toEqual(['40', '50']);
  });
});
