/**
 * The one summary behind /status, the status page at / and `casepipe status`: readiness, lag per
 * partition, throughput and lag over the last hour (a ring buffer in this process), department health,
 * dead letters by reason, the store, and the snapshot history. A timer refreshes what needs Kafka or
 * the store; reads of the summary never wait on either.
 */
import fs from 'node:fs';
import type { Logger } from '../platform/logger.js';
import type { DepartmentActivity, DepartmentHealth } from './department-health.js';
import type { OperatorMetrics } from './operator-metrics.js';
import type { LagReading, PartitionLagWatcher } from './partition-lag.js';
import type { NotReadyReason, Readiness } from './readiness.js';
import { snapshotHistory, type SnapshotHealth, type SnapshotRun, type SnapshotVersionInfo } from './snapshot-health.js';
import type { PreparedPartitionBatch } from '../store/batch.js';
import type { CheckpointStats } from '../store/live-store.js';
import type { StoreMemory } from '../store/store-reads.js';
import type { ThreadHeapSpace } from './record-check-thread.js';

export interface HistorySample {
  at: string;
  eventsPerSecond: number;
  lag: number;
}

export interface StatusSummary {
  at: string;
  groupId: string;
  topic: string;
  ready: boolean;
  notReady: NotReadyReason[];
  assigned: number[];
  lag: LagReading;
  throughput: { eventsPerSecond: number; lastHour: HistorySample[] };
  departments: DepartmentHealth[];
  deadLetters: { reason: string; count: number }[];
  store: { file: string; fileBytes: number; milestones: number; consultations: number };
  snapshots: { versions: SnapshotVersionInfo[]; runs: SnapshotRun[] };
}

export interface OperatorStatusDeps {
  groupId: string;
  topic: string;
  storeFile: string;
  snapshotsDir: string;
  readiness: Readiness;
  lag: PartitionLagWatcher;
  departments: DepartmentActivity;
  snapshots: SnapshotHealth;
  store: {
    operatorCounts(): Promise<{ milestones: number; consultations: number; deadLetters: { reason: string; count: number }[] }>;
    hasData(month: string): Promise<boolean>;
    checkpointStats(): CheckpointStats;
    memory(): Promise<StoreMemory[]>;
  };
  /** The record-check thread's heap by space; undefined when batches are checked inline. */
  recordCheckHeap?: () => Promise<ThreadHeapSpace[] | undefined>;
  assigned: () => number[];
  metrics: OperatorMetrics;
  logger: Logger;
}

const HOUR_MS = 3600_000;

export class OperatorStatus {
  private timer: NodeJS.Timeout | undefined;
  private processed = 0;
  /** The store's checkpoint counts at the last refresh (the counters take the difference). */
  private checkpointsSeen = { done: 0, failed: 0 };
  private lastTick: { atMs: number; processed: number } | undefined;
  private readonly history: HistorySample[] = [];
  private capacity = 360;
  private counts: Awaited<ReturnType<OperatorStatusDeps['store']['operatorCounts']>> = { milestones: 0, consultations: 0, deadLetters: [] };
  private publishedReasons = new Set<string>();
  private refreshing = false;

  constructor(private readonly deps: OperatorStatusDeps) {}

  /** Refreshes every `intervalMs`; the last hour of samples is kept. */
  start(intervalMs: number): void {
    this.capacity = Math.ceil(HOUR_MS / intervalMs);
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** A batch the store applied: its records count as throughput, its events date their departments. */
  observe(batch: PreparedPartitionBatch): void {
    this.processed += batch.prepared.events + batch.deadLetters.length;
    // Preparing the batch found each department's newest record: one update per department and batch.
    for (const { code, name, atMs } of batch.prepared.departments) this.deps.departments.saw(code, name, atMs);
  }

  async refresh(): Promise<void> {
    if (this.refreshing) return; // the previous one still waits on Kafka or the store
    this.refreshing = true;
    try {
      await this.refreshOnce();
    } finally {
      this.refreshing = false;
    }
  }

  private async refreshOnce(): Promise<void> {
    const now = Date.now();
    const lag = await this.deps.lag.refresh();
    const rate = this.lastTick && now > this.lastTick.atMs ? ((this.processed - this.lastTick.processed) * 1000) / (now - this.lastTick.atMs) : 0;
    this.lastTick = { atMs: now, processed: this.processed };
    this.history.push({ at: new Date(now).toISOString(), eventsPerSecond: Math.round(rate * 10) / 10, lag: lag.total });
    while (this.history.length > this.capacity) this.history.shift();

    this.deps.departments.health(now);
    this.publishReadiness();
    try {
      this.counts = await this.deps.store.operatorCounts();
      const m = this.deps.metrics;
      m.storeRows.set({ table: 'milestones' }, this.counts.milestones);
      m.storeRows.set({ table: 'consultations' }, this.counts.consultations);
      m.storeFileBytes.set(this.storeFileBytes());
      m.storeWalBytes.set(fileSize(`${this.deps.storeFile}.wal`));
      const checkpoints = this.deps.store.checkpointStats();
      m.storeCheckpoints.inc(checkpoints.done - this.checkpointsSeen.done);
      m.storeCheckpointFailures.inc(checkpoints.failed - this.checkpointsSeen.failed);
      if (checkpoints.done > 0) m.storeLastCheckpointDuration.set(checkpoints.lastSeconds);
      this.checkpointsSeen = checkpoints;
      for (const d of this.counts.deadLetters) m.deadLettersStored.set({ reason: d.reason }, d.count);
      await this.deps.snapshots.refreshDue(new Date(now), (month) => this.deps.store.hasData(month));
      await this.publishMemory();
    } catch (err) {
      // A closed or failing store is the readiness' business; the page keeps the last counts.
      this.deps.logger.debug({ err }, 'could not read the store for the status');
    }
  }

  summary(): StatusSummary {
    const now = Date.now();
    const last = this.history[this.history.length - 1];
    return {
      at: new Date(now).toISOString(),
      groupId: this.deps.groupId,
      topic: this.deps.topic,
      ready: this.deps.readiness.ready,
      notReady: this.deps.readiness.list(),
      assigned: this.deps.assigned(),
      lag: this.deps.lag.latest,
      throughput: { eventsPerSecond: last?.eventsPerSecond ?? 0, lastHour: [...this.history] },
      departments: this.deps.departments.health(now),
      deadLetters: this.counts.deadLetters,
      store: { file: this.deps.storeFile, fileBytes: this.storeFileBytes(), milestones: this.counts.milestones, consultations: this.counts.consultations },
      snapshots: { versions: snapshotHistory(this.deps.snapshotsDir), runs: this.deps.snapshots.recentRuns() },
    };
  }

  /** Where the worker's memory is beyond its own V8 heap: DuckDB's by tag, the record-check thread's heap. */
  private async publishMemory(): Promise<void> {
    const m = this.deps.metrics;
    const memory = await this.deps.store.memory();
    for (const { tag, memoryBytes } of memory) m.storeMemory.set({ tag }, memoryBytes);
    m.storeSpilled.set(memory.reduce((sum, t) => sum + t.temporaryBytes, 0));
    for (const { space, bytes } of (await this.deps.recordCheckHeap?.()) ?? []) m.recordCheckHeap.set({ space }, bytes);
  }

  private publishReadiness(): void {
    const m = this.deps.metrics;
    const reasons = this.deps.readiness.list().map((r) => r.code as string);
    m.ready.set(reasons.length === 0 ? 1 : 0);
    for (const r of this.publishedReasons) if (!reasons.includes(r)) m.notReadyReason.remove({ reason: r });
    for (const r of reasons) m.notReadyReason.set({ reason: r }, 1);
    this.publishedReasons = new Set(reasons);
  }

  private storeFileBytes(): number {
    return fileSize(this.deps.storeFile) + fileSize(`${this.deps.storeFile}.wal`);
  }
}

/** A file's size; 0 when it is missing (no WAL right after a checkpoint). */
function fileSize(file: string): number {
  return fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
}
