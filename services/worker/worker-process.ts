/**
 * Wires one worker process: the live store (its only writer), the stream worker, the admin HTTP server
 * and the signals. Takes config, logger and broker list as arguments so tests can build it in-process.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../platform/config.js';
import { createKafka } from '../platform/kafka-client.js';
import type { Logger } from '../platform/logger.js';
import { CASE_EVENTS, CASE_EVENTS_DLQ, declaredTopics, ensureTopics } from '../platform/topics.js';
import { isMonth } from '../contract/month.js';
import type { Month } from '../figures/window-figures.js';
import type { SnapshotOutcome } from '../snapshot/monthly-snapshot.js';
import { SnapshotScheduler } from '../snapshot/schedule.js';
import { loadScheduleState, recordRecheck } from '../snapshot/schedule-state.js';
import { snapshotRunner, snapshotsDir } from '../snapshot/snapshot-runner.js';
import { LiveStore } from '../store/live-store.js';
import { buildAdminServer } from './admin-server.js';
import { checkSourceTopic } from './source-topic-check.js';
import { StreamWorker } from './stream-worker.js';
import { createWorkerMetrics, type WorkerMetrics } from './worker-metrics.js';

export interface WorkerProcessOptions {
  config: Config;
  logger: Logger;
  brokers: string[];
  topics: { caseEvents: string; deadLetters: string };
  /** Port for the admin server; 0 picks a free one; null runs without it. */
  port?: number | null;
  /** Run the monthly snapshot schedule in this process (default: config.schedule.enabled). */
  schedule?: boolean;
}

export interface RunningWorker {
  store: LiveStore;
  worker: StreamWorker;
  metrics: WorkerMetrics;
  /** Snapshots month M now (serialized with the scheduler's runs). */
  snapshot: (month: Month) => Promise<SnapshotOutcome>;
  scheduler: SnapshotScheduler | undefined;
  /** Where the admin server listens, when it does. */
  url: string | undefined;
  stop(): Promise<void>;
}

export function liveStorePath(config: Config): string {
  return path.join(config.dataDir, 'live', 'casepipe.duckdb');
}

export async function startWorkerProcess(opts: WorkerProcessOptions): Promise<RunningWorker> {
  const { config, logger } = opts;
  const file = liveStorePath(config);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const store = await LiveStore.open({ path: file, memoryLimit: config.storeMemoryLimit, logger });
  const metrics = createWorkerMetrics();
  const kafka = createKafka(config, opts.brokers, logger);

  const admin = kafka.admin();
  await admin.connect();
  try {
    const declared = declaredTopics();
    const spec = (name: string) => declared.find((t) => t.name === name)!;
    const topics = [
      { ...spec(CASE_EVENTS), name: opts.topics.caseEvents },
      { ...spec(CASE_EVENTS_DLQ), name: opts.topics.deadLetters },
    ];
    await ensureTopics(admin, topics);
    await checkSourceTopic(admin, store, opts.topics.caseEvents, file);
  } catch (err) {
    store.close();
    throw err;
  } finally {
    await admin.disconnect();
  }

  let stopping: Promise<void> | undefined;
  const running: RunningWorker = {
    store,
    metrics,
    url: undefined,
    worker: undefined as unknown as StreamWorker,
    snapshot: snapshotRunner({ store, config, topic: opts.topics.caseEvents, kafka, logger }),
    scheduler: undefined,
    stop: () =>
      (stopping ??= (async () => {
        logger.info('worker stopping: finishing the current batch');
        await running.scheduler?.stop();
        await worker.stop();
        await app?.close();
        await store.close();
        logger.info('worker stopped');
      })()),
  };
  const worker = new StreamWorker({
    kafka,
    store,
    logger,
    metrics,
    topic: opts.topics.caseEvents,
    deadLetterTopic: opts.topics.deadLetters,
    groupId: config.groupId,
    sessionTimeoutMs: config.sessionTimeoutMs,
    onFatal: (err) => {
      logger.fatal({ err }, 'stream worker cannot continue; exiting so a supervisor restarts it');
      process.exit(1);
    },
  });
  running.worker = worker;

  let app: FastifyInstance | undefined;
  if (opts.port !== null) {
    app = buildAdminServer({
      registry: metrics.registry,
      live: () => true,
      ready: () => worker.ready,
      notReadyReason: () => worker.notReadyReason,
      status: async () => ({
        groupId: config.groupId,
        topic: opts.topics.caseEvents,
        assigned: worker.assignment,
        lag: Object.fromEntries([...worker.lag()].map(([p, n]) => [p, Number(n)])),
        storedOffsets: Object.fromEntries([...(await store.storedOffsets(opts.topics.caseEvents))].map(([p, o]) => [p, String(o)])),
        store: file,
      }),
      figures: (month) => store.figures(month),
      extend: (a) =>
        a.post<{ Querystring: { month?: string } }>('/snapshots', async (req, reply) => {
          const month = req.query.month ?? '';
          if (!isMonth(month)) return reply.code(400).send({ code: 'BAD_MONTH', message: `month must be YYYY-MM, got ${JSON.stringify(month)}` });
          return running.snapshot(month);
        }),
    });
    const address = await app.listen({ port: opts.port ?? config.workerPort, host: '127.0.0.1' });
    running.url = address;
    logger.info({ url: address }, 'admin server listening (/livez /readyz /metrics /status /figures)');
  }

  await worker.start();
  if (opts.schedule ?? config.schedule.enabled) running.scheduler = startSchedule(running, config, logger);
  return running;
}

/** The monthly schedule (Asia/Shanghai) in the worker process: the store's only writer runs it. */
function startSchedule(running: RunningWorker, config: Config, logger: Logger): SnapshotScheduler {
  const dir = snapshotsDir(config);
  const scheduler = new SnapshotScheduler({
    logger,
    schedule: { graceDays: config.schedule.graceDays, ...(config.schedule.firstMonth ? { firstMonth: config.schedule.firstMonth } : {}) },
    loadState: async () => loadScheduleState(dir),
    run: async (job) => {
      if (!(await running.store.hasData(job.month))) {
        logger.info({ month: job.month }, 'no events for this month in the store; nothing to snapshot');
        return;
      }
      const outcome = await running.snapshot(job.month);
      if (job.kind === 'recheck') recordRecheck(dir, job.month, new Date());
      logger.info({ job: job.kind, month: job.month, version: outcome.version, created: outcome.created }, 'scheduled snapshot done');
    },
  });
  scheduler.start().catch((err) => logger.error({ err }, 'snapshot schedule catch-up failed'));
  logger.info({ next: scheduler.nextWakeUps().map((d) => d.toISOString()) }, 'monthly snapshot schedule running (Asia/Shanghai)');
  return scheduler;
}

/**
 * For the CLI: run until SIGTERM/SIGINT, then finish the batch, commit and exit 0. The handlers are in
 * place before anything starts, so a signal during start-up also ends in a clean stop.
 */
export async function runWorkerUntilSignalled(opts: WorkerProcessOptions): Promise<void> {
  let signalled: NodeJS.Signals | undefined;
  let wake: (() => void) | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    signalled = sig;
    wake?.();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const running = await startWorkerProcess(opts);
  if (signalled === undefined) await new Promise<void>((resolve) => (wake = resolve));
  opts.logger.info({ signal: signalled }, 'signal received');
  try {
    await running.stop();
  } catch (err) {
    opts.logger.error({ err }, 'error while stopping');
    process.exitCode = 1;
  }
}
