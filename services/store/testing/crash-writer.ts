/**
 * Child process of the crash test: applies a deterministic stream of synthetic records to a live
 * store, resuming from the stored offsets (and deliberately re-sending a few records before them,
 * as a consumer that re-fetches after a crash would). The test kills it with SIGKILL at random
 * moments and runs it again until it exits 0.
 *   node --import tsx services/store/testing/crash-writer.ts <storeFile> <seed> <count> <partitions>
 */
import { LiveStore } from '../live-store.js';
import type { BatchEvent } from '../batch.js';
import { partitionOf, rng, syntheticRecords } from './synthetic-events.js';

const [file, seedArg, countArg, partitionsArg] = process.argv.slice(2);
const seed = Number(seedArg);
const partitions = Number(partitionsArg);
const topic = 'case-events';

const perPartition: BatchEvent[][] = Array.from({ length: partitions }, () => []);
for (const r of syntheticRecords({ seed, count: Number(countArg), duplicateRate: 0.3 })) {
  const list = perPartition[partitionOf(r.event.caseId, partitions)];
  list.push({ ...r, offset: String(list.length) });
}

// A small recentRows, so recent rows move to old every few batches and kills land in moves too.
const store = await LiveStore.open({ path: file, memoryLimit: '256MB', recentRows: 500 });
const stored = await store.storedOffsets(topic);
const random = rng(Date.now() % 2 ** 31);
// Resume a little before the stored offset: the store must leave the overlap out.
const position = perPartition.map((_, p) => Math.max(0, Number(stored.get(p) ?? 0) - Math.floor(random() * 40)));
process.stdout.write(`resume ${JSON.stringify(position)}\n`);
for (;;) {
  const open = position.map((pos, p) => (pos < perPartition[p].length ? p : -1)).filter((p) => p >= 0);
  if (open.length === 0) break;
  const p = open[Math.floor(random() * open.length)];
  const size = 1 + Math.floor(random() * 600);
  const events = perPartition[p].slice(position[p], position[p] + size);
  position[p] += events.length;
  await store.applyBatch({ topic, partition: p, nextOffset: String(position[p]), events, deadLetters: [] });
}
store.close();
process.stdout.write('done\n');
