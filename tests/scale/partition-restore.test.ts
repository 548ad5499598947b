/**
 * A partition that moves to a worker with an empty store is replayed there from offset 0. Until that
 * worker has caught up, the group's figures must not count the partition as if it were complete: the
 * group view reports it as restoring (and `casepipe figures` exits 2), and every answer that counts all
 * partitions equals the ground truth. Before this rule, a rebalance right after the group had settled
 * made `casepipe figures` print a third of the month with status 0 (CI, 2026-11-30).
 */
import path from 'node:path';
import { augustTargetsFor, generateMonth } from '../../services/demo/month-generator.js';
import { groupFigures, groupStatus } from '../../services/scale/group-view.js';
import { testKafka } from '../fixtures/broker.js';
import { countedDepartments } from '../fixtures/figures.js';
import { createCaseTopics, eventRecord, publish, testPipeline } from '../fixtures/pipeline.js';
import { casepipe, groupWorkerEnv, startWorkerChild, waitFor, type WorkerChild } from '../fixtures/worker-child.js';

const PARTITIONS = 6;

describe('a partition moved to a worker with an empty store', () => {
  it('is reported as restoring, not counted, until that worker has replayed it', async () => {
    const p = testPipeline('restore');
    const exportsDir = path.join(p.dataDir, 'exports');
    const generated = generateMonth({ month: '2025-08', seed: 7, targets: augustTargetsFor(30_000), malformedRate: 0 });
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    await createCaseTopics(admin, p.topics, PARTITIONS);
    const env = (slot: number) => groupWorkerEnv(p, exportsDir, slot);
    const workers: WorkerChild[] = [];
    try {
      await publish(kafka, p.topics.caseEvents, generated.events.map(eventRecord));
      const ends = new Map((await admin.fetchTopicOffsets(p.topics.caseEvents)).map((o) => [o.partition, o.high]));
      const allStored = async (n: number) => {
        const s = await groupStatus(exportsDir, 5000);
        const live = s.workers.filter((w) => w.ready === true);
        if (live.length !== n || new Set(live.map((w) => w.generation)).size !== 1) return undefined;
        const owned = live.flatMap((w) => w.partitions.filter((q) => w.storedOffsets?.[q] === ends.get(q)));
        return owned.length === PARTITIONS && new Set(owned).size === PARTITIONS ? s : undefined;
      };

      // One worker holds every partition, caught up.
      workers.push(startWorkerChild(env(0)));
      await waitFor('w0 caught up on every partition', () => allStored(1), 180_000);
      expect(countedDepartments((await groupFigures(exportsDir, '2025-08')).figures)).toEqual(generated.truth.figures);

      // A second worker, empty store, joins: the sticky assignment moves half the partitions to it.
      workers.push(startWorkerChild(env(1)));
      const samples: { restoring: number; counted: number; exact: boolean }[] = [];
      await waitFor(
        'w1 to own and replay its share',
        async () => {
          const g = await groupFigures(exportsDir, '2025-08', 5000);
          const counted = Object.keys(g.counted).length;
          const exact = JSON.stringify(countedDepartments(g.figures)) === JSON.stringify(generated.truth.figures);
          samples.push({ restoring: Object.keys(g.restoring).length, counted, exact });
          return new Set(Object.values(g.counted)).size === 2 && counted === PARTITIONS ? g : undefined;
        },
        180_000,
        () => `samples: ${JSON.stringify(samples.slice(-5))}`,
      );
      // Every answer that counted all partitions claimed whole figures: each must be the truth.
      expect(samples.filter((s) => s.counted === PARTITIONS && !s.exact)).toEqual([]);
      // The replay was seen as such at least once (the end offsets are read after the join, so the
      // moved partitions start out restoring).
      expect(samples.some((s) => s.restoring > 0 && s.counted < PARTITIONS)).toBe(true);

      const cli = casepipe({ ...env(9), CASEPIPE_DATA_DIR: p.dataDir }, 'figures', '--month', '2025-08', '--json');
      expect({ status: cli.status, stderr: cli.stderr }).toEqual({ status: 0, stderr: '' });
      const { partitions, ...figures } = JSON.parse(cli.stdout);
      expect(Object.keys(partitions)).toHaveLength(PARTITIONS);
      expect(countedDepartments(figures)).toEqual(generated.truth.figures);
    } finally {
      for (const w of workers) w.child.kill('SIGKILL');
      await admin.disconnect();
      p.cleanup();
    }
  }, 600_000);
});
