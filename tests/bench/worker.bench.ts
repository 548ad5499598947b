/**
 * Worker throughput on 1M events against a raw kafkajs consumer reading the same topic in the same run.
 * Both are timed from `run()` to the last record (group join included in both, so the ratio is fair).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import kafkajs from 'kafkajs';
import type { CaseEvent } from '../../services/contract/case-event.js';
import { encodeCaseEvent } from '../../services/contract/codec.js';
import { chooseBroker } from '../../services/platform/broker/choose-broker.js';
import { loadConfig } from '../../services/platform/config.js';
import { silentLogger } from '../../services/platform/logger.js';
import { startWorkerProcess } from '../../services/worker/worker-process.js';
import type { BenchResult } from './bench-result.js';
import { createBenchTopics } from './bench-topics.js';

const KINDS = ['RECEIVED', 'COMPLETED', 'DELIVERED', 'CONSULTED'] as const;
const CHANNEL = { RECEIVED: 'FULL_ONLINE', COMPLETED: 'FULL_ONLINE', DELIVERED: 'DEPARTMENT_WINDOW', CONSULTED: 'PHONE' } as const;

/** 1M events, ~15% of them re-sent copies, over 40 departments, in August 2025. */
export function* benchEvents(n: number): Generator<{ key: string; value: Buffer }> {
  const base = Date.parse('2025-08-01T00:00:00Z');
  for (let i = 0; i < n; i++) {
    const copy = i % 7 === 6; // a re-send of an earlier case
    const c = copy ? i - 6 : i;
    const kind = KINDS[c % 4];
    const caseId = `SC202508${String(c % 40).padStart(2, '0')}${String(c).padStart(9, '0')}`;
    const e: CaseEvent = {
      eventId: `evt-${i}`,
      kind,
      caseId,
      departmentCode: `D${String(c % 40).padStart(2, '0')}`,
      departmentName: `部门${c % 40}`,
      itemCode: '511A0138000000-511602000000-000-115113010833722043-1-00',
      channel: CHANNEL[kind],
      deliveryMethod: kind === 'DELIVERED' ? 'WINDOW_PICKUP' : null,
      eventTime: base + (c % 2_500_000) * 1000 + (copy ? 60_000 : 0),
      sourceSystem: 'bench',
      sourceRecordId: `row-${i}`,
      attributes: {},
    };
    yield { key: caseId, value: encodeCaseEvent(e) };
  }
}

const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

export async function benchWorker(n = 1_000_000): Promise<BenchResult[]> {
  const logger = silentLogger();
  const base = loadConfig();
  const { brokers } = await chooseBroker(base, logger);
  const kafka = new kafkajs.Kafka({ clientId: 'casepipe-bench', brokers, logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topics = await createBenchTopics(admin);
  const { prefix } = topics;
  const producer = kafka.producer();
  await producer.connect();
  let chunk: { key: string; value: Buffer }[] = [];
  const publishStart = Date.now();
  for (const m of benchEvents(n)) {
    chunk.push(m);
    if (chunk.length === 10_000) {
      await producer.send({ topic: topics.caseEvents, acks: 1, messages: chunk });
      chunk = [];
    }
  }
  if (chunk.length) await producer.send({ topic: topics.caseEvents, acks: 1, messages: chunk });
  await producer.disconnect();
  const publishSeconds = (Date.now() - publishStart) / 1000;

  // Raw kafkajs consumer: counts records, nothing else.
  const raw = kafka.consumer({ groupId: `${prefix}raw`, maxBytesPerPartition: 4 * 1024 * 1024, maxBytes: 32 * 1024 * 1024 });
  await raw.connect();
  await raw.subscribe({ topic: topics.caseEvents, fromBeginning: true });
  let seen = 0;
  const rawStart = Date.now();
  const rawCpu = process.cpuUsage();
  await new Promise<void>((resolve, reject) => {
    raw
      .run({
        eachBatch: async ({ batch }) => {
          seen += batch.messages.length;
          if (seen >= n) resolve();
        },
      })
      .catch(reject);
  });
  const rawSeconds = (Date.now() - rawStart) / 1000;
  const rawCpuSeconds = cpuSeconds(process.cpuUsage(rawCpu));
  await raw.disconnect();

  // The worker: decode, validate, dedupe, store with offsets, in one process like production.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-bench-worker-'));
  const config = { ...base, dataDir, topicPrefix: prefix, groupId: `${prefix}worker`, schedule: { ...base.schedule, enabled: false } };
  const workerStart = Date.now();
  const workerCpu = process.cpuUsage();
  const running = await startWorkerProcess({ config, logger, brokers, topics, port: null });
  for (;;) {
    const stored = await running.store.storedOffsets(topics.caseEvents);
    const done = [...stored.values()].reduce((s, o) => s + Number(o), 0);
    if (done >= n) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const workerSeconds = (Date.now() - workerStart) / 1000;
  const workerCpuSeconds = cpuSeconds(process.cpuUsage(workerCpu));
  const milestones = Number((await running.store.figures('2025-08')).total.fullOnlineReceived);
  // Where the worker's time goes: the store transaction's share of the batch handling.
  const sum = async (name: string) => {
    const metric = await running.metrics.registry.getSingleMetric(name)?.get();
    return Number(metric?.values.find((v) => (v as { metricName?: string }).metricName === `${name}_sum`)?.value ?? 0);
  };
  const batchSeconds = await sum('casepipe_batch_seconds');
  const applySeconds = await sum('casepipe_store_apply_seconds');
  await running.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  await admin.deleteTopics({ topics: [topics.caseEvents, topics.deadLetters] }).catch(() => undefined);
  await admin.disconnect();

  const workerRate = Math.round(n / workerSeconds);
  const cores = os.availableParallelism();
  // The ceiling any worker could reach here: all its CPU spread perfectly over every core.
  const ceiling = Math.min(100, Math.round((rawSeconds / (workerCpuSeconds / cores)) * 100));
  const perEvent = (s: number) => +((s / n) * 1e6).toFixed(1);
  const rawRate = Math.round(n / rawSeconds);
  return [
    { name: 'publish (kafkajs producer, acks=1)', value: Math.round(n / publishSeconds), unit: 'events/s', note: `${n} events` },
    { name: 'raw kafkajs consumer', value: rawRate, unit: 'events/s', note: `${n} events, ${rawSeconds.toFixed(1)} s incl. group join` },
    { name: 'stream worker (decode, validate, dedupe, DuckDB + offsets)', value: workerRate, unit: 'events/s', note: `${n} events, ${workerSeconds.toFixed(1)} s incl. group join; ${milestones} full-online receptions` },
    { name: 'worker / raw consumer', value: Math.round((workerRate / rawRate) * 100), unit: '%', note: 'target ≥ 60%' },
    { name: 'CPU per event, raw consumer (all threads)', value: perEvent(rawCpuSeconds), unit: 'µs', note: `${rawCpuSeconds.toFixed(1)} CPU-s in ${rawSeconds.toFixed(1)} s` },
    {
      name: 'CPU per event, worker (all threads)',
      value: perEvent(workerCpuSeconds),
      unit: 'µs',
      note: `${workerCpuSeconds.toFixed(1)} CPU-s in ${workerSeconds.toFixed(1)} s; spread perfectly over ${cores} cores it would still be at most ${ceiling}% of the raw consumer`,
    },
    {
      name: 'share of batch time in the DuckDB transaction',
      value: Math.round((applySeconds / batchSeconds) * 100),
      unit: '%',
      note: `${applySeconds.toFixed(1)} s of ${batchSeconds.toFixed(1)} s; the rest is decode, validate and Kafka`,
    },
  ];
}
