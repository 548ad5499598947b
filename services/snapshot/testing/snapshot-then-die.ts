/**
 * Child process of the snapshot kill test: runs the monthly snapshot on a live store and SIGKILLs
 * itself at the moment it would rename the finished temporary folder into `v<N>`, i.e. after every
 * file has been written and before the version is published.
 *   node --import tsx services/snapshot/testing/snapshot-then-die.ts <live.duckdb> <snapshotsDir> <topic> <YYYY-MM>
 */
import fs from 'node:fs';
import path from 'node:path';
import { silentLogger } from '../../platform/logger.js';
import { LiveStore } from '../../store/live-store.js';
import { snapshotMonth } from '../monthly-snapshot.js';

const [storePath, snapshotsDir, topic, month] = process.argv.slice(2);
const rename = fs.renameSync;
// monthly-snapshot.ts calls renameSync on the default-imported node:fs object: replace it there.
fs.renameSync = (from: fs.PathLike, to: fs.PathLike) => {
  if (path.basename(String(from)).startsWith('.tmp-') && /^v\d+$/.test(path.basename(String(to)))) {
    process.stdout.write(`dying before ${String(from)} -> ${String(to)}\n`);
    process.kill(process.pid, 'SIGKILL');
  }
  rename(from, to);
};

const store = await LiveStore.open({ path: storePath });
await snapshotMonth(month, {
  exportMonth: (month, target) => store.exportMonth(month, target),
  snapshotsDir,
  topic,
  lag: async () => ({ total: 0, partitions: [] }),
  lagThreshold: 1000,
  logger: silentLogger(),
});
process.stdout.write('the snapshot finished: the kill did not happen\n');
store.close();
