/**
 * Wires one worker process: the live store (its only writer), the stream worker, the admin HTTP server
 * and the signals. Takes config, logger and broker list as arguments so tests can build it in-process.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { logLevel as KafkaLogLevel, PartitionAssigners } from 'kafkajs';
import { isCasepipeError } from '../platform/errors.js';
import type { Config } from '../platform/config.js';
import { checkBrokerCredentials, createKafka, kafkaLogCreator } from '../platform/kafka-client.js';
import type { Logger } from '../platform/logger.js';
import { CASE_EVENTS, CASE_EVENTS_DLQ, declaredTopics, ensureTopics } from '../platform/topics.js';
import type { SnapshotScheduler, TickResult } from '../snapshot/schedule.js';
import { scheduledSnapshots } from '../snapshot/scheduled-snapshots.js';
import { snapshotRunner, snapshotsDir, type SnapshotRun } from '../snapshot/snapshot-runner.js';
import { GroupGeneration } from '../scale/group-generation.js';
import { PartitionExporter } from '../scale/partition-export.js';
import { RestoringPartitions } from '../scale/restoring-partitions.js';
import { stickyAssigner } from '../scale/sticky-assignment.js';
import { LiveStore } from '../store/live-store.js';
import { buildAdminServer } from './admin-server.js';
import { DepartmentActivity, readDeclaredDepartments } from './department-health.js';
import { createOperatorMetrics } from './operator-metrics.js';
import { OperatorStatus } from './operator-status.js';
import { PartitionLagWatcher } from './partition-lag.js';
import { BrokerProbe, followConsumer, Readiness } from './readiness.js';
import { SnapshotHealth } from './snapshot-health.js';
import { registerSnapshotRoute } from './snapshot-route.js';
import { checkSourceTopic } from './source-topic-check.js';
import { registerGroupRoutes } from '../scale/group-routes.js';
import { registerStatusRoutes } from './status-routes.js';
import { StreamWorker, type WorkerStore } from './stream-worker.js';
import { createWorkerMetrics, type WorkerMetrics } from './worker-metrics.js';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

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
  /** Declared departments with their cadence (default pipelines/departments). */
  departmentsDir?: string;
  /** How often lag, group, store counts and department health are refreshed (default 10 s). */
  statusIntervalMs?: number;
  /** How often the broker is probed for readiness (default 5 s). */
  brokerProbeIntervalMs?: number;
}

export interface RunningWorker {
  store: LiveStore;
  worker: StreamWorker;
  metrics: WorkerMetrics;
  readiness: Readiness;
  status: OperatorStatus;
  /** Snapshots month M now (serialized with the scheduler's runs); refuses open, future and empty months unless forced. */
  snapshot: SnapshotRun;
  scheduler: SnapshotScheduler | undefined;
  /** The schedule's catch-up run at start, when the schedule runs. */
  catchUp: Promise<TickResult> | undefined;
  /** Where the admin server listens, when it does. */
  url: string | undefined;
  /** Scale-out: this worker's exports and registry entry, when CASEPIPE_EXPORTS_DIR is set. */
  exporter: PartitionExporter | undefined;
  /** Scale-out: the assigned partitions this worker's store has not caught up on since the assignment. */
  restoring: RestoringPartitions | undefined;
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
  const store = await LiveStore.open({ path: file, memoryLimit: config.applyMemoryLimit, exportMemoryLimit: config.storeMemoryLimit, checkpointThreshold: config.checkpointThreshold, logger });
  const metrics = createWorkerMetrics();
  const operatorMetrics = createOperatorMetrics(metrics.registry);
  // Scale-out: the group generation comes from kafkajs' debug log (services/scale/group-generation.ts).
  const generation = new GroupGeneration();
  const exportsDir = config.scaleOut.exportsDir;
  const kafka = createKafka(
    config,
    opts.brokers,
    logger,
    exportsDir ? { logLevel: KafkaLogLevel.DEBUG, logCreator: generation.logCreator(kafkaLogCreator(logger)) } : {},
  );
  const readiness = new Readiness(logger.child({ component: 'readiness' }));
  readiness.set('STARTING', 'the worker has not joined its consumer group yet');

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
    await checkSourceTopic(admin, store, opts.topics.caseEvents, file);
  } catch (err) {
    store.close();
    throw err;
  } finally {
    await admin.disconnect();
  }

  // Lag, group members and the broker probe use their own client: quick to fail and quiet, since an
  // unreachable broker is reported through readiness, not by kafkajs' error lines.
  const watchAdmin = createKafka(config, opts.brokers, logger, {
    logLevel: KafkaLogLevel.NOTHING,
    retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1000 },
    connectionTimeout: 3000,
    requestTimeout: 5000,
  }).admin();
  // kafkajs may wait on a dead connection well past its retries; a probe that does not answer in time has failed.
  const watch = <T>(fn: () => Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('Kafka did not answer within 5 s')), 5000);
    });
    return Promise.race([watchAdmin.connect().then(fn), timeout]).finally(() => clearTimeout(timer));
  };
  const snapshots = snapshotsDir(config);
  const snapshotHealth = new SnapshotHealth(snapshots, config.schedule.graceDays, operatorMetrics);
  const departments = new DepartmentActivity(readDeclaredDepartments(opts.departmentsDir ?? path.join(PROJECT_ROOT, 'pipelines', 'departments'), logger), operatorMetrics);
  for (const d of await store.departmentsLastEvent()) departments.saw(d.departmentCode, d.departmentName, d.lastEventMs);
  let selfMemberId: string | undefined;
  const lag = new PartitionLagWatcher({
    topic: opts.topics.caseEvents,
    groupId: config.groupId,
    endOffsets: () => watch(() => watchAdmin.fetchTopicOffsets(opts.topics.caseEvents)),
    storedOffsets: () => store.storedOffsets(opts.topics.caseEvents),
    assigned: () => worker.assignment,
    describeGroup: async () => (await watch(() => watchAdmin.describeGroups([config.groupId]))).groups[0]?.members ?? [],
    selfMemberId: () => selfMemberId,
    expectedMembers: config.expectedGroupMembers,
    metrics: operatorMetrics,
    logger,
  });
  const status = new OperatorStatus({
    groupId: config.groupId,
    topic: opts.topics.caseEvents,
    storeFile: file,
    snapshotsDir: snapshots,
    readiness,
    lag,
    departments,
    snapshots: snapshotHealth,
    store,
    recordCheckHeap: () => worker.recordCheckHeap(),
    assigned: () => worker.assignment,
    metrics: operatorMetrics,
    logger,
  });
  const probe = new BrokerProbe({
    readiness,
    probe: () => watch(() => watchAdmin.describeCluster()),
    unreachableAfterMs: config.brokerUnreachableMs,
    intervalMs: opts.brokerProbeIntervalMs ?? 5000,
    logger,
  });
  // What the worker applies passes by here: throughput and department activity for the status, and a
  // store that fails for good makes the worker not ready.
  const observedStore: WorkerStore = {
    storedOffsets: (topic) => store.storedOffsets(topic),
    applyBatch: async (batch) => {
      try {
        const result = await store.applyBatch(batch);
        readiness.clear('STORE_FAILED');
        status.observe(batch);
        return result;
      } catch (err) {
        if (!isCasepipeError(err) || !err.canRetry) readiness.set('STORE_FAILED', `the live store failed: ${(err as Error).message}`);
        throw err;
      }
    },
  };

  let stopping: Promise<void> | undefined;
  const running: RunningWorker = {
    store,
    metrics,
    readiness,
    status,
    url: undefined,
    exporter: undefined,
    restoring: undefined,
    worker: undefined as unknown as StreamWorker,
    snapshot: snapshotHealth.track(snapshotRunner({ store, config, topic: opts.topics.caseEvents, kafka: async () => kafka, logger, now: opts.now })),
    scheduler: undefined,
    catchUp: undefined,
    stop: () =>
      (stopping ??= (async () => {
        logger.info('worker stopping: finishing the batches read so far');
        readiness.set('STOPPING', 'the worker is stopping');
        probe.stop();
        status.stop();
        await running.scheduler?.stop();
        await running.exporter?.stop();
        await worker.stop();
        running.exporter?.leave();
        await watchAdmin.disconnect().catch(() => undefined);
        await app?.close();
        await store.close();
        logger.info('worker stopped');
      })()),
  };
  const worker = new StreamWorker({
    kafka,
    store: observedStore,
    logger,
    metrics,
    topic: opts.topics.caseEvents,
    deadLetterTopic: opts.topics.deadLetters,
    groupId: config.groupId,
    sessionTimeoutMs: config.sessionTimeoutMs,
    recordCheck: config.recordCheck,
    // Sticky first: a moved partition is replayed by its new owner, so move as few as possible.
    partitionAssigners: (owned) => [stickyAssigner(() => ({ [opts.topics.caseEvents]: owned() })), PartitionAssigners.roundRobin],
    onStoreProblem: (problem) => (problem ? readiness.set('STORE_DISK_FULL', problem.message) : readiness.clear('STORE_DISK_FULL')),
    onFatal: (err) => {
      logger.fatal({ err }, 'stream worker cannot continue; exiting so a supervisor restarts it');
      process.exit(1);
    },
  });
  running.worker = worker;
  followConsumer(readiness, worker.consumerEvents, config.brokerUnreachableMs);
  worker.consumerEvents.on(worker.consumerEvents.events.GROUP_JOIN, (e) => (selfMemberId = e.payload.memberId));
  // --- scale-out (docs/scale-out.md): per-partition exports and the group registry ---
  if (exportsDir) {
    // A partition that moved here is replayed into this store; until it has caught up it is neither
    // counted nor exported (services/scale/restoring-partitions.ts).
    const restoring = (running.restoring = new RestoringPartitions({
      endOffsets: () => watch(() => watchAdmin.fetchTopicOffsets(opts.topics.caseEvents)),
      storedOffsets: () => store.storedOffsets(opts.topics.caseEvents),
      logger,
    }));
    worker.consumerEvents.on(worker.consumerEvents.events.GROUP_JOIN, (e) =>
      restoring.onAssignment(e.payload.memberAssignment[opts.topics.caseEvents] ?? []),
    );
    const exporter = new PartitionExporter({
      restoring: () => restoring.restoring(),
      connect: () => store.connect(),
      exportsDir,
      topic: opts.topics.caseEvents,
      worker: config.scaleOut.workerId,
      ownership: () => ({ partitions: worker.assignment, generation: generation.generationId, memberId: selfMemberId }),
      url: () => running.url,
      logger,
    });
    running.exporter = exporter;
    worker.consumerEvents.on(worker.consumerEvents.events.GROUP_JOIN, () => exporter.onAssignment());
  }
  // --- end scale-out ---

  let app: FastifyInstance | undefined;
  if (opts.port !== null) {
    app = buildAdminServer({
      registry: metrics.registry,
      live: () => true,
      notReady: () => readiness.list(),
      status: async () => ({
        ...status.summary(),
        storedOffsets: Object.fromEntries([...(await store.storedOffsets(opts.topics.caseEvents))].map(([p, o]) => [p, String(o)])),
        ...(running.restoring ? { restoring: await running.restoring.restoring() } : {}),
      }),
      figures: (month) => store.figures(month),
      access: config.admin,
      extend: (a) => {
        if (running.exporter) registerGroupRoutes(a, running.exporter);
        registerSnapshotRoute(a, (month, options) => running.snapshot(month, options));
        registerStatusRoutes(a, snapshots);
      },
    });
    const address = await app.listen({ port: opts.port ?? config.workerPort, host: config.admin.host });
    running.url = address;
    logger.info(
      { url: address, stateChangingRoutes: config.admin.token === undefined ? 'off (no CASEPIPE_ADMIN_TOKEN)' : 'token required' },
      'admin server listening (/ /livez /readyz /metrics /status /figures, POST /snapshots)',
    );
  }

  probe.start();
  status.start(opts.statusIntervalMs ?? 10_000);
  await worker.start();
  running.exporter?.start();
  // One rule for who schedules: with CASEPIPE_SCHEDULER=external, `casepipe scheduler` does.
  if ((opts.schedule ?? config.schedule.enabled) && config.scaleOut.scheduler === 'worker') startSchedule(running, config, logger, opts.now);
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
