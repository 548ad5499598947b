/**
 * Dead letters under SIGKILL: the real `casepipe worker` is killed several times while it works through
 * a stream with malformed records spread through it. Afterwards every malformed record is on the
 * dead-letter topic with the reason it was made for — exactly once per source (partition, offset) once
 * copies are left out, as `dead-letters list` and `replay` read them — the store counted each dead
 * letter once, and the figures are exact.
 *
 * The pause between a batch being stored and the kill comes from a seeded PRNG; the seed is printed, and
 * CASEPIPE_TEST_SEED=<seed> replays the same pauses (where the kills land also depends on the machine).
 */
import { generateMonth, mulberry32, AUGUST_2025_TARGETS } from '../../services/demo/month-generator.js';
import { publishGenerated } from '../../services/demo/publish-generated.js';
import type { MonthFigures } from '../../services/figures/window-figures.js';
import { silentLogger } from '../../services/platform/logger.js';
import { LiveStore } from '../../services/store/live-store.js';
import { readDeadLetterTopic } from '../../services/worker/dead-letters.js';
import { liveStorePath } from '../../services/worker/worker-process.js';
import { testKafka, uniqueName } from '../fixtures/broker.js';
import { countedDepartments } from '../fixtures/figures.js';
import { createCaseTopics, testPipeline } from '../fixtures/pipeline.js';
import { keepLog, logTail, pipelineEnv, startWorkerChild, storedTotal, waitFor } from '../fixtures/worker-child.js';

const KILLS = 4;

describe('dead letters under SIGKILL', () => {
  it('are all on the dead-letter topic, once per source offset, and the figures are exact', async () => {
    const seed = Number(process.env.CASEPIPE_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
    const context = `(kill timings from seed ${seed}: CASEPIPE_TEST_SEED=${seed} replays them)`;
    console.log(`crash-dead-letters: seed ${seed}`);
    const random = mulberry32(seed);

    const targets = Object.fromEntries(Object.entries(AUGUST_2025_TARGETS).map(([k, v]) => [k, Math.round(v / 3)])) as typeof AUGUST_2025_TARGETS;
    const generated = generateMonth({ month: '2025-08', seed: 7, targets, malformedRate: 0.02 });
    const p = testPipeline('crash-dlq');
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    // 12 partitions: one fetch brings a whole partition (4 MB), so progress comes in a dozen steps to kill between.
    await createCaseTopics(admin, p.topics, 12);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await publishGenerated(producer, p.topics.caseEvents, generated.events, generated.malformed);
    await producer.disconnect();
    const high = (await admin.fetchTopicOffsets(p.topics.caseEvents)).reduce((s, o) => s + Number(o.high), 0);

    // Where each malformed record landed (its key is a fresh case id) and the reason it was made for.
    const expected = new Map<string, string>();
    const reasonOfKey = new Map(generated.malformed.map((m) => [m.key, m.reason]));
    const reader = kafka.consumer({ groupId: uniqueName('crash-dlq-source') });
    await reader.connect();
    await reader.subscribe({ topic: p.topics.caseEvents, fromBeginning: true });
    let seen = 0;
    await new Promise<void>((resolve, reject) => {
      reader
        .run({
          eachMessage: async ({ partition, message }) => {
            const reason = reasonOfKey.get(message.key?.toString() ?? '');
            if (reason) expected.set(`${partition}/${message.offset}`, reason);
            if (++seen === high) resolve();
          },
        })
        .catch(reject);
    });
    await reader.disconnect();
    expect(expected.size).toBe(generated.malformed.length);

    // A SIGKILLed member never leaves the group: the next one waits this long for its partitions.
    const env = pipelineEnv(p, { CASEPIPE_SESSION_TIMEOUT_MS: '6000', LOG_LEVEL: 'info' });
    const killedAt: number[] = [];
    let before = 0;
    try {
      for (let kill = 0; kill < KILLS; kill++) {
        const worker = startWorkerChild(env);
        try {
          const url = await worker.url();
          // Kill while it works: once it has stored a batch beyond the last kill, after a random pause
          // (decoding, sending dead letters, in a DuckDB transaction, committing offsets).
          const done = await worker.whileRunning(waitFor('progress since the last kill', async () => {
            const n = await storedTotal(url);
            return n > before ? n : undefined;
          }, 90_000, () => `${context} killed at ${killedAt}; log: ${logTail(worker.stderr())}; whole log: ${keepLog(worker.stderr())}`));
          // Short: the worker applies batches while it fetches the next, so a whole run takes seconds.
          await new Promise((r) => setTimeout(r, random() * 60));
          const at = await storedTotal(url).catch(() => done);
          killedAt.push(at);
          before = at;
        } finally {
          worker.child.kill('SIGKILL');
          await worker.exited;
        }
        if (before >= high) break;
      }
      const last = startWorkerChild(env);
      try {
        const url = await last.url();
        await last.whileRunning(waitFor('the last worker to finish', async () => ((await storedTotal(url)) === high ? true : undefined), 120_000, () => `${context} killed at ${killedAt}; log: ${logTail(last.stderr())}; whole log: ${keepLog(last.stderr())}`));
        const figures = (await (await fetch(`${url}/figures?month=2025-08`)).json()) as MonthFigures;
        expect(countedDepartments(figures)).toEqual(generated.truth.figures);
        last.child.kill('SIGTERM');
        expect(await last.exited).toBe(0);
      } finally {
        last.child.kill('SIGKILL');
      }
    } finally {
      await admin.disconnect();
    }
    // The kills must have landed mid-run, or the test proves nothing.
    expect({ context, midRun: killedAt.filter((n) => n > 0 && n < high).length }).toEqual({ context, midRun: KILLS });

    const dlq = await readDeadLetterTopic(kafka, p.topics.deadLetters);
    console.log(`crash-dead-letters: ${dlq.records.length} dead letters, ${dlq.copies} copies sent again after kills; killed at ${killedAt} of ${high}`);
    const onTopic = new Map(dlq.records.map((r) => [`${r.source.partition}/${r.source.offset}`, r.reason]));
    expect(dlq.records.length).toBe(expected.size); // one per source offset, however many copies
    expect(new Map([...onTopic].sort())).toEqual(new Map([...expected].sort()));

    const store = await LiveStore.open({ path: liveStorePath(p.config), logger: silentLogger() });
    try {
      const counted = (await store.connection.runAndReadAll(`SELECT reason, sum(n)::INTEGER AS n FROM quality_counts WHERE metric = 'dead_letter' GROUP BY ALL ORDER BY reason`)).getRowObjects();
      expect(Object.fromEntries(counted.map((r) => [r.reason, r.n]))).toEqual(
        Object.fromEntries(Object.entries(generated.truth.malformedByReason).sort(([a], [b]) => (a < b ? -1 : 1))),
      );
    } finally {
      store.close();
      p.cleanup();
    }
  }, 400_000);
});
