/**
 * Several workers in one consumer group, each with its own store, while workers are added, stopped
 * and SIGKILLed every few seconds (a rebalance storm) and events keep arriving. At the end the group's
 * figures equal the generator's ground truth, and the snapshot `casepipe scheduler` makes from the
 * merged per-partition exports equals a single worker's snapshot of the same topic: figure by figure
 * and milestone row by milestone row.
 *
 * npm test runs ~12k events and a 20 s storm; `npm run test:faults` runs the 300k-event version (SCALE_STORM_EVENTS).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { augustTargetsFor, generateMonth } from '../../services/demo/month-generator.js';
import { silentLogger } from '../../services/platform/logger.js';
import { readWorkers } from '../../services/scale/export-folder.js';
import { groupFigures, groupStatus } from '../../services/scale/group-view.js';
import { startWorkerProcess } from '../../services/worker/worker-process.js';
import { loadConfig } from '../../services/platform/config.js';
import { testKafka } from '../fixtures/broker.js';
import { countedDepartments } from '../fixtures/figures.js';
import { createCaseTopics, eventRecord, publish, testPipeline, waitForStore } from '../fixtures/pipeline.js';
import { casepipe, groupWorkerEnv, pipelineEnv, startWorkerChild, waitFor, type WorkerChild } from '../fixtures/worker-child.js';

const EVENTS = Number(process.env.SCALE_STORM_EVENTS ?? 12_000);
const PARTITIONS = 6;
const SLOTS = 5;
const STORM_MS = Number(process.env.SCALE_STORM_MS ?? 20_000);

async function milestoneRows(folder: string): Promise<string[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const rows = await conn.runAndReadAll(
      `SELECT case_id, kind, month, event_time, event_id, channel, delivery_method, department_code, copies FROM read_parquet('${path.join(folder, 'milestones.parquet')}') ORDER BY ALL`,
    );
    return rows.getRows().map((r) => JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? String(v) : v)));
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

describe('a group of workers through a rebalance storm', () => {
  it('ends with the ground-truth figures, and the merged-export snapshot equals the one-worker snapshot', async () => {
    const p = testPipeline('storm');
    const exportsDir = path.join(p.dataDir, 'exports');
    const generated = generateMonth({ month: '2025-08', seed: 41, targets: augustTargetsFor(EVENTS), malformedRate: 0.002 });
    const records = generated.events.map(eventRecord);
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    await createCaseTopics(admin, p.topics, PARTITIONS);

    const env = (slot: number) => groupWorkerEnv(p, exportsDir, slot);
    const workers = new Map<number, WorkerChild>();
    const lastAction = new Map<number, string>();
    const start = (slot: number) => {
      lastAction.set(slot, 'add');
      workers.set(slot, startWorkerChild(env(slot)));
    };
    const actions: string[] = [];
    try {
      for (const slot of [0, 1, 2]) start(slot);
      // Events arrive during the storm, in ten bursts.
      const publishing = (async () => {
        const burst = Math.ceil(records.length / 10);
        for (let i = 0; i < records.length; i += burst) {
          await publish(kafka, p.topics.caseEvents, records.slice(i, i + burst));
          await new Promise((r) => setTimeout(r, STORM_MS / 12));
        }
      })();

      let seed = 3;
      const random = (n: number) => (seed = (seed * 48271) % 2147483647) % n;
      const stormEnds = Date.now() + STORM_MS;
      while (Date.now() < stormEnds) {
        await new Promise((r) => setTimeout(r, 2500 + random(1500)));
        const running = [...workers.keys()];
        const idle = Array.from({ length: SLOTS }, (_, i) => i).filter((s) => !workers.has(s));
        const action = running.length <= 1 ? 'add' : idle.length === 0 ? (['stop', 'kill'] as const)[random(2)] : (['add', 'stop', 'kill'] as const)[random(3)];
        if (action === 'add') {
          const slot = idle[random(idle.length)];
          start(slot); // an idle slot's store may hold partitions from an earlier life: it resumes from them
          actions.push(`add w${slot}`);
        } else {
          const slot = running[random(running.length)];
          const w = workers.get(slot)!;
          workers.delete(slot);
          w.child.kill(action === 'kill' ? 'SIGKILL' : 'SIGTERM');
          lastAction.set(slot, action);
          actions.push(`${action} w${slot}`);
          await w.exited;
        }
      }
      await publishing;
      // Back to three workers for the end.
      for (let slot = 0; workers.size < 3; slot++) if (!workers.has(slot)) start(slot);

      // Caught up: every partition owned by a live worker whose stored offset is the end of the topic.
      const ends = new Map((await admin.fetchTopicOffsets(p.topics.caseEvents)).map((o) => [o.partition, o.high]));
      // Settled: the reachable workers agree on one generation, own disjoint partitions covering the
      // topic, and each has stored its partitions up to the end.
      const caughtUp = async () => {
        const s = await groupStatus(exportsDir, 5000);
        const live = s.workers.filter((w) => w.ready === true);
        // Every worker started has joined (one still starting would rebalance the group once it joins).
        if (![...workers.keys()].every((slot) => live.some((w) => w.worker === `w${slot}`))) return undefined;
        if (new Set(live.map((w) => w.generation)).size !== 1) return undefined;
        const owned = live.flatMap((w) => w.partitions.filter((p) => w.storedOffsets?.[p] === ends.get(p)));
        return owned.length === PARTITIONS && new Set(owned).size === PARTITIONS ? s : undefined;
      };
      await waitFor('every partition caught up on a live worker', caughtUp, 240_000, () => `actions: ${actions.join(', ')}`);

      const group = await groupFigures(exportsDir, '2025-08');
      if (process.env.SCALE_STORM_DEBUG) {
        for (const w of readWorkers(exportsDir)) {
          const g = await fetch(`${w.url}/group/figures?month=2025-08`).then((r) => r.json()).catch((e) => String(e));
          const st = await fetch(`${w.url}/status`).then((r) => r.json()).catch((e) => String(e));
          console.log(w.worker, JSON.stringify({ part: g.partitions, gen: g.generation, total: g.figures?.total, assigned: st.assigned, stored: st.storedOffsets }), JSON.stringify(Object.fromEntries(ends)));
        }
        console.log(JSON.stringify(group.counted), actions.join(', '));
        console.log(JSON.stringify((await admin.describeGroups([p.config.groupId])).groups[0].members.map((m) => m.clientId + ' ' + m.memberId)));
        for (const [slot, w] of workers) fs.writeFileSync(`/tmp/storm-w${slot}.log`, w.stderr());
      }
      expect(Object.keys(group.counted).map(Number).sort()).toEqual(Array.from({ length: PARTITIONS }, (_, i) => i));
      expect(countedDepartments(group.figures)).toEqual(generated.truth.figures);
      // The same through the CLI. A rebalance after the check above (a worker that missed its heartbeats
      // under load) moves partitions to workers that must replay them into their stores: meanwhile the CLI
      // names them as not counted and exits 2. It must never print partial figures with status 0.
      let last: ReturnType<typeof casepipe> | undefined;
      const cli = await waitFor(
        'casepipe figures to count every partition',
        async () => {
          last = casepipe({ ...env(9), CASEPIPE_DATA_DIR: p.dataDir }, 'figures', '--month', '2025-08', '--json');
          return last.status === 2 && /the figures are incomplete/.test(last.stderr) ? undefined : last;
        },
        180_000,
        () => `last answer: status ${last?.status}, ${last?.stderr}`,
      );
      // SIGKILLed workers stay registered and are named as not answering; nothing else may be said.
      const complaints = cli.stderr.split('\n').filter((l) => l !== '' && !/^casepipe: worker w\d did not answer/.test(l));
      expect({ status: cli.status, complaints }).toEqual({ status: 0, complaints: [] });
      expect(countedDepartments(JSON.parse(cli.stdout))).toMatchObject({ total: generated.truth.figures.total });

      // The scheduler: exports of every partition, merged into one snapshot.
      const sched = casepipe({ ...env(9), CASEPIPE_DATA_DIR: path.join(p.dataDir, 'scheduler') }, 'scheduler', '--month', '2025-08', '--wait', '90');
      expect(sched.stderr).toBe('');
      const outcome = JSON.parse(sched.stdout) as { folder: string; provisional: boolean; provisionalReason: string | null };
      expect(outcome).toMatchObject({ provisional: false, provisionalReason: null });

      for (const [slot, w] of workers) {
        w.child.kill('SIGTERM');
        lastAction.set(slot, 'stop');
      }
      await Promise.all([...workers.values()].map((w) => w.exited));
      workers.clear();
      // A clean stop takes the worker out of the registry; a SIGKILLed one stays (shown unreachable).
      const killedForGood = [...lastAction].filter(([, a]) => a === 'kill').map(([slot]) => `w${slot}`).sort();
      expect(readWorkers(exportsDir).map((w) => w.worker)).toEqual(killedForGood);

      // One worker alone, in a new group, over the same topic: the reference snapshot.
      const single = loadConfig({ ...pipelineEnv(p), CASEPIPE_DATA_DIR: path.join(p.dataDir, 'single'), CASEPIPE_GROUP_ID: `${p.config.groupId}-single`, LOG_LEVEL: 'warn' });
      const one = await startWorkerProcess({ config: single, logger: silentLogger(), brokers: p.brokers, topics: p.topics, port: null });
      let reference: string;
      try {
        await waitForStore(admin, p.topics.caseEvents, () => one.store.storedOffsets(p.topics.caseEvents), 240_000);
        reference = (await one.snapshot('2025-08')).folder;
      } finally {
        await one.stop();
      }
      const figuresOf = (folder: string) => JSON.parse(fs.readFileSync(path.join(folder, 'figures.json'), 'utf8'));
      expect(figuresOf(outcome.folder)).toEqual(figuresOf(reference));
      expect(countedDepartments(figuresOf(outcome.folder))).toEqual(generated.truth.figures);
      const [merged, alone] = [await milestoneRows(outcome.folder), await milestoneRows(reference)];
      expect(merged.length).toBe(alone.length);
      expect(merged).toEqual(alone);
      const manifestOf = (folder: string) => JSON.parse(fs.readFileSync(path.join(folder, 'manifest.json'), 'utf8'));
      expect(manifestOf(outcome.folder).rowCounts).toEqual(manifestOf(reference).rowCounts);
      console.log(`rebalance storm over ${records.length} records: ${actions.join(', ')}`);
    } finally {
      for (const w of workers.values()) w.child.kill('SIGKILL');
      await admin.disconnect();
      p.cleanup();
    }
  }, 900_000);
});
