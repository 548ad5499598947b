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
import { LiveStore } from '../store/live-store.js';
import { buildAdminServer } from './admin-server.js';
import { StreamWorker } from './stream-worker.js';
import { createWorkerMetrics, type WorkerMetrics } from './worker-metrics.js';

export interface WorkerProcessOptions {
  config: Config;
  logger: Logger;
  brokers: string[];
  topics: { caseEvents: string; deadLetters: string };
  /** Port for the admin server; 0 picks a free one; null runs without it. */
  port?: number | null;
  /** Extra admin routes, e.g. the snapshot job's. */
  extendAdmin?: (app: FastifyInstance, worker: RunningWorker) => void;
}

export interface RunningWorker {
  store: LiveStore;
  worker: StreamWorker;
  metrics: WorkerMetrics;
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
  } finally {
    await admin.disconnect();
  }

  let stopping: Promise<void> | undefined;
  const running: RunningWorker = {
    store,
    metrics,
    url: undefined,
    worker: undefined as unknown as StreamWorker,
    stop: () =>
      (stopping ??= (async () => {
        logger.info('worker stopping: finishing the current batch');
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
      extend: (a) => opts.extendAdmin?.(a, running),
    });
    const address = await app.listen({ port: opts.port ?? config.workerPort, host: '127.0.0.1' });
    running.url = address;
    logger.info({ url: address }, 'admin server listening (/livez /readyz /metrics /status /figures)');
  }

  await worker.start();
  return running;
}

/** For the CLI: run until SIGTERM/SIGINT, then finish the batch, commit and exit 0. */
export async function runWorkerUntilSignalled(opts: WorkerProcessOptions): Promise<void> {
  const running = await startWorkerProcess(opts);
  await new Promise<void>((resolve) => {
    const onSignal = (sig: NodeJS.Signals) => {
      opts.logger.info({ signal: sig }, 'signal received');
      running.stop().then(resolve, (err) => {
        opts.logger.error({ err }, 'error while stopping');
        process.exitCode = 1;
        resolve();
      });
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
}
