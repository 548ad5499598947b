/**
 * Scale-out on this machine: one worker against two (separate processes, one consumer group each
 * run, a topic of its own with the same events), timed from the first publish until the stored offsets reach the end; then the
 * time for partitions to move: one of the two workers stops (SIGTERM) and the other takes its
 * partitions, rebuilding them by replay, until it has stored them up to the end.
 * SCALEOUT_EVENTS sets the count (default 300k).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import kafkajs from 'kafkajs';
import { encodeCaseEvent } from '../../services/contract/codec.js';
import { augustTargetsFor, generateMonth } from '../../services/demo/month-generator.js';
import { chooseBroker } from '../../services/platform/broker/choose-broker.js';
import { loadConfig } from '../../services/platform/config.js';
import { silentLogger } from '../../services/platform/logger.js';
import { CASE_EVENTS, CASE_EVENTS_DLQ } from '../../services/platform/topics.js';
import { startWorkerChild, waitFor, type WorkerChild } from '../fixtures/worker-child.js';
import type { BenchResult } from './bench-result.js';

const PARTITIONS = 12;

async function storedOf(url: string): Promise<{ assigned: number[]; stored: Record<string, string> }> {
  const s = (await (await fetch(`${url}/status`, { signal: AbortSignal.timeout(5000) })).json()) as { assigned: number[]; storedOffsets: Record<string, string> };
  return { assigned: s.assigned, stored: s.storedOffsets };
}

/** Resolves once the workers' owned partitions together cover the topic, each stored up to its end. */
async function caughtUp(urls: string[], ends: Map<number, string>, timeoutMs: number): Promise<void> {
  await waitFor(
    'the workers to catch up',
    async () => {
      const covered = new Set<number>();
      for (const u of urls) {
        const s = await storedOf(u);
        for (const p of s.assigned) if (s.stored[p] === ends.get(p)) covered.add(p);
      }
      return covered.size === ends.size ? true : undefined;
    },
    timeoutMs,
  );
}

export async function benchScaleOut(n = Number(process.env.SCALEOUT_EVENTS ?? 300_000)): Promise<BenchResult[]> {
  const logger = silentLogger();
  const base = loadConfig();
  const { brokers } = await chooseBroker(base, logger);
  const stem = `bench-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
  const kafka = new kafkajs.Kafka({ clientId: 'casepipe-bench', brokers, logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const created: string[] = [];
  const topicsOf = async (run: string) => {
    const prefix = `${stem}-${run}.`;
    const topics = { caseEvents: prefix + CASE_EVENTS, deadLetters: prefix + CASE_EVENTS_DLQ };
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: topics.caseEvents, numPartitions: PARTITIONS, replicationFactor: 1 },
        { topic: topics.deadLetters, numPartitions: 1, replicationFactor: 1 },
      ],
    });
    created.push(topics.caseEvents, topics.deadLetters);
    return { prefix, topics };
  };
  const events = generateMonth({ month: '2025-08', seed: 99, targets: augustTargetsFor(n), malformedRate: 0 }).events;
  const records = events.map((e) => ({ key: e.caseId, value: encodeCaseEvent(e) }));
  /** Publishes the events; returns the end offsets. */
  const publishAll = async (topic: string) => {
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < records.length; i += 10_000) await producer.send({ topic, messages: records.slice(i, i + 10_000) });
    await producer.disconnect();
    return new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.high]));
  };
  /** The workers have formed their group: disjoint assignments covering every partition. */
  const formed = (urls: string[]) =>
    waitFor('the group to form', async () => {
      const a = await Promise.all(urls.map(async (u) => (await storedOf(u)).assigned));
      const all = a.flat();
      return a.every((x) => x.length > 0) && all.length === PARTITIONS && new Set(all).size === PARTITIONS ? true : undefined;
    }, 600_000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-scaleout-'));
  const children: WorkerChild[] = [];
  const start = (run: string, prefix: string, slot: number) => {
    const w = startWorkerChild({
      ...process.env,
      KAFKA_BROKERS: brokers.join(','),
      CASEPIPE_DATA_DIR: path.join(root, run, `w${slot}`),
      CASEPIPE_EXPORTS_DIR: path.join(root, run, 'exports'),
      CASEPIPE_WORKER_ID: `w${slot}`,
      CASEPIPE_SCHEDULER: 'external',
      CASEPIPE_TOPIC_PREFIX: prefix,
      CASEPIPE_GROUP_ID: `${prefix}group`,
      CASEPIPE_SCHEDULE: 'off',
      CASEPIPE_WORKER_PORT: '0',
      CASEPIPE_SESSION_TIMEOUT_MS: '10000',
      LOG_LEVEL: 'info',
    });
    children.push(w);
    return w;
  };
  const results: BenchResult[] = [];
  try {
    // Each run: the workers start on an empty topic and form their group first (so a process that
    // starts late does not get, and replay, everything), then the events are published; timed from
    // the first publish to every partition stored up to the end.
    const one = await topicsOf('one');
    const alone = start('one', one.prefix, 0);
    await formed([await alone.url()]);
    let t0 = performance.now();
    await caughtUp([await alone.url()], await publishAll(one.topics.caseEvents), 900_000);
    const oneSeconds = (performance.now() - t0) / 1000;
    alone.child.kill('SIGTERM');
    await alone.exited;

    const two = await topicsOf('two');
    const pair = [start('two', two.prefix, 0), start('two', two.prefix, 1)];
    const urls = await Promise.all(pair.map((w) => w.url()));
    await formed(urls);
    t0 = performance.now();
    const ends = await publishAll(two.topics.caseEvents);
    await caughtUp(urls, ends, 900_000);
    const twoSeconds = (performance.now() - t0) / 1000;
    const split = await Promise.all(urls.map(async (u) => (await storedOf(u)).assigned.length));
    const leaving = await storedOf(urls[1]);

    // A partition move: w1 stops; w0 takes its partitions and replays them.
    t0 = performance.now();
    pair[1].child.kill('SIGTERM');
    await pair[1].exited;
    await caughtUp([urls[0]], ends, 900_000);
    const moveSeconds = (performance.now() - t0) / 1000;
    const moved = leaving.assigned.reduce((s, p) => s + Number(ends.get(p) ?? 0), 0);
    pair[0].child.kill('SIGTERM');
    await pair[0].exited;

    results.push(
      { name: `1 worker, ${events.length.toLocaleString('en-US')} events, ${PARTITIONS} partitions`, value: Math.round(events.length / oneSeconds), unit: 'events/s', note: `first publish to caught up ${oneSeconds.toFixed(1)} s (publishing included, in both runs)` },
      { name: '2 workers (2 processes), same topic', value: Math.round(events.length / twoSeconds), unit: 'events/s', note: `${twoSeconds.toFixed(1)} s; ${(oneSeconds / twoSeconds).toFixed(2)}× one worker on ${os.cpus().length} cores shared with the broker; partitions at the end ${split.join(' + ')}` },
      { name: `partition move: ${leaving.assigned.length} partitions (${moved.toLocaleString('en-US')} records) from a stopped worker to the other`, value: Number(moveSeconds.toFixed(1)), unit: 's', note: `SIGTERM → new owner stored to the end (rebalance + replay at ${Math.round(moved / moveSeconds).toLocaleString('en-US')} records/s)` },
    );
    return results;
  } finally {
    for (const c of children) c.child.kill('SIGKILL');
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
