/**
 * Exactly-once effects: a 200k-event run during which the worker process is killed with SIGKILL five
 * times at random moments, restarted each time, ends with figures equal to the ground truth. The worker
 * runs as the real `casepipe worker` command in a child process.
 *
 * The kill timings come from a seed printed at the start and named in every failure: rerun with
 * CASEPIPE_CRASH_SEED=<seed> to draw the same pauses.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { generateMonth, AUGUST_2025_TARGETS, mulberry32 } from '../../services/demo/month-generator.js';
import { silentLogger } from '../../services/platform/logger.js';
import { LiveStore } from '../../services/store/live-store.js';
import { liveStorePath } from '../../services/worker/worker-process.js';
import { testKafka } from '../fixtures/broker.js';
import { PROJECT_ROOT } from '../fixtures/test-broker-state.js';
import { createCaseTopics, eventRecord, publish, testPipeline } from '../fixtures/pipeline.js';
import { workerAdminUrl } from '../fixtures/listening-address.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('crash recovery', () => {
  it('counts exactly once across five SIGKILLs of the worker process', async () => {
    const scale = (n: number) => Math.round(n * 1.5);
    const targets = Object.fromEntries(Object.entries(AUGUST_2025_TARGETS).map(([k, v]) => [k, scale(v)])) as typeof AUGUST_2025_TARGETS;
    const generated = generateMonth({ month: '2025-08', seed: 42, targets, malformedRate: 0 });
    expect(generated.events.length).toBeGreaterThanOrEqual(200_000);

    const seed = Number(process.env.CASEPIPE_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
    console.log(`crash recovery: kill timings from seed ${seed} (rerun with CASEPIPE_CRASH_SEED=${seed})`);
    const p = testPipeline('crash');
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    await createCaseTopics(admin, p.topics);
    await publish(kafka, p.topics.caseEvents, generated.events.map(eventRecord), 10_000);
    const high = (await admin.fetchTopicOffsets(p.topics.caseEvents)).reduce((s, o) => s + Number(o.high), 0);

    const env = {
      ...process.env,
      KAFKA_BROKERS: p.brokers.join(','),
      CASEPIPE_DATA_DIR: p.dataDir,
      CASEPIPE_TOPIC_PREFIX: p.config.topicPrefix,
      CASEPIPE_GROUP_ID: p.config.groupId,
      // Port 0: each worker binds a free port and logs its URL (info), read by workerAdminUrl.
      CASEPIPE_WORKER_PORT: '0',
      LOG_LEVEL: 'info',
      CASEPIPE_SCHEDULE: 'off',
      // A SIGKILLed member never leaves the group: the next one waits this long for its partitions.
      CASEPIPE_SESSION_TIMEOUT_MS: '6000',
    };
    const startWorker = (): ChildProcess => spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'casepipe.js'), 'worker'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const progress = async (url: string): Promise<number | undefined> => {
      try {
        const res = await fetch(`${url}/status`, { signal: AbortSignal.timeout(2000) });
        const s = (await res.json()) as { storedOffsets: Record<string, string> };
        return Object.values(s.storedOffsets).reduce((sum, o) => sum + Number(o), 0);
      } catch {
        return undefined;
      }
    };

    const random = mulberry32(seed);
    const killedAt: (number | undefined)[] = [];
    try {
      let before = 0;
      for (let kill = 0; kill < 5; kill++) {
        const child = startWorker();
        const exited = new Promise((r) => child.once('exit', r));
        const url = await workerAdminUrl(child);
        // Kill while it works: once it has stored a batch beyond the last kill, after a random pause
        // (the process may be anywhere: decoding, in a DuckDB transaction, committing offsets).
        const deadline = Date.now() + 60_000;
        for (;;) {
          const done = await progress(url);
          if (done !== undefined && (done > before || done >= high)) break;
          if (Date.now() > deadline) break;
          await sleep(20);
        }
        // Short: the worker applies batches while it fetches the next, so a whole run takes seconds.
        await sleep(random() * 100);
        const at = await progress(url);
        killedAt.push(at);
        child.kill('SIGKILL');
        await exited;
        before = at ?? before;
      }
      const child = startWorker();
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr = (stderr + String(d)).slice(-4000)));
      const exitCode = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const url = await workerAdminUrl(child);
      const deadline = Date.now() + 180_000;
      while ((await progress(url)) !== high) {
        if (Date.now() > deadline) throw new Error(`the worker did not finish (seed ${seed}); killed at ${JSON.stringify(killedAt)}; stderr: ${stderr.slice(-2000)}`);
        await sleep(250);
      }
      child.kill('SIGTERM');
      expect(await exitCode).toBe(0);
    } finally {
      await admin.disconnect();
    }

    // The kills must have landed mid-run, or the test proves nothing.
    expect({ seed, killedAt, midRun: killedAt.filter((n) => n !== undefined && n > 0 && n < high).length }).toMatchObject({ midRun: 5 });
    const store = await LiveStore.open({ path: liveStorePath(p.config), logger: silentLogger() });
    try {
      expect(await store.figures('2025-08')).toEqual(generated.truth.figures);
    } finally {
      store.close();
      p.cleanup();
    }
  }, 300_000);
});
