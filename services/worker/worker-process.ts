/**
 * Wires one worker process: the live store (its only writer), the stream worker, the admin HTTP server
 * and the signals. Takes config, logger and broker list as arguments so tests can build it in-process.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../platform/config.js';
import { checkBrokerCredentials, createKafka } from '../platform/kafka-client.js';
import type { Logger } from '../platform/logger.js';
import { CASE_EVENTS, CASE_EVENTS_DLQ, declaredTopics, ensureTopics } from '../platform/topics.js';
import type { SnapshotScheduler, TickResult } from '../snapshot/schedule.js';
import { scheduledSnapshots } from '../snapshot/scheduled-snapshots.js';
import { snapshotRunner, snapshotsDir, type SnapshotRun } from '../snapshot/snapshot-runner.js';
import { LiveStore } from '../store/live-store.js';
import { buildAdminServer } from './admin-server.js';
import { registerSnapshotRoute } from './snapshot-route.js';
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
  /** The clock of the schedule and the snapshots (tests); default the system clock. */
  now?: () => Date;
}

export interface RunningWorker {
  store: LiveStore;
  worker: StreamWorker;
  metrics: WorkerMetrics;
  /** Snapshots month M now (serialized with the scheduler's runs); refuses open, future and empty months unless forced. */
  snapshot: SnapshotRun;
  scheduler: SnapshotScheduler | undefined;
  /** The schedule's catch-up run at start, when the schedule runs. */
  catchUp: Promise<TickResult> | undefined;
  /** Where the admin server listens, when it does. */
  url: string | undefined;
  stop(): Promise<void>;
}


export function liveStorePath(config: Config): string {
  return path.join(config.dataDir, 'live', 'casepipe.duckdb');
}

export async function startWorkerProcess(opts: WorkerProcessOptions): Promise<RunningWorker> {
  const { config, logger } = opts;
  await checkBrokerCredentials(config, opts.brokers, logger);
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
    await ensureTopics(admin, topics, { allowFewerReplicas: config.allowFewerReplicas, logger });
  } finally {
    await admin.disconnect();
  }

  let stopping: Promise<void> | undefined;
  const running: RunningWorker = {
    store,
    metrics,
    url: undefined,
    worker: undefined as unknown as StreamWorker,
    snapshot: snapshotRunner({ store, config, topic: opts.topics.caseEvents, kafka: async () => kafka, logger, now: opts.now }),
    scheduler: undefined,
    catchUp: undefined,
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
      status: async () => ({
        groupId: config.groupId,
        topic: opts.topics.caseEvents,
        assigned: worker.assignment,
        lag: Object.fromEntries([...worker.lag()].map(([p, n]) => [p, Number(n)])),
        storedOffsets: Object.fromEntries([...(await store.storedOffsets(opts.topics.caseEvents))].map(([p, o]) => [p, String(o)])),
        store: file,
      }),
      figures: (month) => store.figures(month),
      access: config.admin,
      extend: (a) => registerSnapshotRoute(a, (month, options) => running.snapshot(month, options)),
    });
    const address = await app.listen({ port: opts.port ?? config.workerPort, host: config.admin.host });
    running.url = address;
    logger.info(
      { url: address, stateChangingRoutes: config.admin.token === undefined ? 'off (no CASEPIPE_ADMIN_TOKEN)' : 'token required' },
      'admin server listening (/livez /readyz /metrics /status /figures, POST /snapshots)',
    );
  }

  await worker.start();
  if (opts.schedule ?? config.schedule.enabled) startSchedule(running, config, logger, opts.now);
  return running;
}

/** The monthly schedule (Asia/Shanghai) in the worker process: the store's only writer runs it. */
function startSchedule(running: RunningWorker, config: Config, logger: Logger, now: (() => Date) | undefined): void {
  const scheduler = scheduledSnapshots({
    store: running.store,
    snapshot: running.snapshot,
    snapshotsDir: snapshotsDir(config),
    schedule: { graceDays: config.schedule.graceDays, ...(config.schedule.firstMonth ? { firstMonth: config.schedule.firstMonth } : {}) },
    now,
    logger,
  });
  running.scheduler = scheduler;
  running.catchUp = scheduler.start();
  running.catchUp.catch((err) => logger.error({ err }, 'snapshot schedule catch-up failed'));
  logger.info({ next: scheduler.nextWakeUps().map((d) => d.toISOString()) }, 'monthly snapshot schedule running (Asia/Shanghai)');
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
