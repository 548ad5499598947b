/**
 * The store's offsets are the truth, whatever the consumer group says: a store rebuilt by replay while
 * the group's committed offsets sit at the end of the topic counts everything again, and a partition
 * taken away while its batch is being applied, counted by another member and given back, ends exact.
 */
import fs from 'node:fs';
import type { Admin, Consumer } from 'kafkajs';
import { generateMonth } from '../../services/demo/month-generator.js';
import { silentLogger } from '../../services/platform/logger.js';
import { LiveStore } from '../../services/store/live-store.js';
import { StreamWorker, type WorkerStore } from '../../services/worker/stream-worker.js';
import { createWorkerMetrics } from '../../services/worker/worker-metrics.js';
import { liveStorePath, startWorkerProcess } from '../../services/worker/worker-process.js';
import { testKafka } from '../fixtures/broker.js';
import { countedDepartments } from '../fixtures/figures.js';
import { createCaseTopics, eventRecord, publish, testPipeline, waitForStore } from '../fixtures/pipeline.js';
import { waitFor } from '../fixtures/worker-child.js';

const targets = { fullOnlineReceived: 400, fullOnlineCompleted: 420, windowReceived: 60, windowDelivered: 80, mailed: 30, phoneConsultations: 40, onsiteConsultations: 90 };

async function committedAtEnd(admin: Admin, groupId: string, topic: string): Promise<boolean> {
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.high]));
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return committed.partitions.every((c) => c.offset === ends.get(c.partition));
}

describe('partitions whose group offset is ahead of the store', () => {
  it('a store rebuilt by replay counts everything again although the group committed the end of the topic', async () => {
    const p = testPipeline('rebuilt-store');
    const generated = generateMonth({ month: '2025-08', seed: 17, targets, malformedRate: 0 });
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    await createCaseTopics(admin, p.topics, 3);
    await publish(kafka, p.topics.caseEvents, generated.events.map(eventRecord));
    const start = () => startWorkerProcess({ config: p.config, logger: silentLogger(), brokers: p.brokers, topics: p.topics, port: null });
    try {
      const first = await start();
      try {
        await waitForStore(admin, p.topics.caseEvents, () => first.store.storedOffsets(p.topics.caseEvents));
        await waitFor('the group to commit the end of the topic', async () => ((await committedAtEnd(admin, p.config.groupId, p.topics.caseEvents)) ? true : undefined));
      } finally {
        await first.stop();
      }
      // The operator's rebuild: the store file goes, the topic and the group stay.
      const file = liveStorePath(p.config);
      fs.rmSync(file);
      fs.rmSync(`${file}.wal`, { force: true });

      const rebuilt = await start();
      try {
        await waitForStore(admin, p.topics.caseEvents, () => rebuilt.store.storedOffsets(p.topics.caseEvents), 45_000);
        expect(countedDepartments(await rebuilt.store.figures('2025-08'))).toEqual(generated.truth.figures);
      } finally {
        await rebuilt.stop();
      }
    } finally {
      await admin.disconnect();
      p.cleanup();
    }
  });

  it('a partition revoked while its batch is applied, counted elsewhere and given back, ends exact', async () => {
    const p = testPipeline('revoked-mid-batch', { CASEPIPE_SESSION_TIMEOUT_MS: '10000' });
    const generated = generateMonth({ month: '2025-08', seed: 23, targets, malformedRate: 0 });
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    await createCaseTopics(admin, p.topics, 4);
    await publish(kafka, p.topics.caseEvents, generated.events.map(eventRecord));
    const topic = p.topics.caseEvents;
    const live = await LiveStore.open({ path: liveStorePath(p.config), logger: silentLogger() });

    // A second member of the group: it joins while the worker's first batch is in the store, takes
    // half the partitions, commits their end as another worker that counted them would, and leaves.
    let intruder: Consumer | undefined;
    let intruderGot: number[] | undefined;
    let stateWhileApplying: string | undefined;
    let intruderLeft: Promise<void> | undefined;
    const store: WorkerStore = {
      storedOffsets: (t) => live.storedOffsets(t),
      applyBatch: async (batch) => {
        if (!intruder) {
          const member = (intruder = kafka.consumer({ groupId: p.config.groupId, sessionTimeout: 10_000, heartbeatInterval: 1000 }));
          await member.connect();
          await member.subscribe({ topic, fromBeginning: true });
          intruderLeft = new Promise<void>((resolve, reject) => {
            member.on(member.events.GROUP_JOIN, (e) => {
              intruderGot = e.payload.memberAssignment[topic] ?? [];
              (async () => {
                const ends = await admin.fetchTopicOffsets(topic);
                await member.commitOffsets(ends.filter((o) => intruderGot!.includes(o.partition)).map((o) => ({ topic, partition: o.partition, offset: o.high })));
                await member.disconnect();
              })().then(resolve, reject);
            });
          });
          // Not awaited: the join completes only once the worker rejoins, after this batch.
          member.run({ autoCommit: false, eachBatch: async () => undefined }).catch(() => undefined);
          stateWhileApplying = await waitFor('the group to start rebalancing', async () => {
            const state = (await admin.describeGroups([p.config.groupId])).groups[0]?.state;
            return state === 'PreparingRebalance' ? state : undefined;
          }, 20_000);
        }
        return live.applyBatch(batch);
      },
    };
    const worker = new StreamWorker({
      kafka, store, logger: silentLogger(), metrics: createWorkerMetrics(undefined, false), topic, deadLetterTopic: p.topics.deadLetters,
      groupId: p.config.groupId, sessionTimeoutMs: 10_000, maxBytesPerPartition: 16 * 1024,
      onFatal: (err) => {
        throw err;
      },
    });
    try {
      await worker.start();
      await waitFor('the second member to join and leave', async () => (intruderLeft ? (await intruderLeft, true) : undefined), 60_000);
      expect(stateWhileApplying).toBe('PreparingRebalance');
      expect(intruderGot!.length).toBeGreaterThan(0);
      await waitForStore(admin, topic, () => live.storedOffsets(topic), 60_000);
      expect(countedDepartments(await live.figures('2025-08'))).toEqual(generated.truth.figures);
    } finally {
      await worker.stop();
      live.close();
      await admin.disconnect();
      p.cleanup();
    }
  });
});
