/**
 * Which of a worker's assigned partitions its store has not caught up on yet. In a group each worker
 * has its own store, so a partition that moves to a worker is replayed there from the store's offset
 * (often 0): until the store reaches the end offset the partition had when it was assigned, its rows
 * are a fraction of the truth. Such a partition is *restoring* (Kafka Streams' word): the group view
 * does not count it and the worker does not export it, so a half-replayed partition is reported as
 * missing instead of being added up as if it were complete.
 *
 * Once caught up, a partition stays caught up until the next assignment (ordinary lag after that is
 * shown by the lag watcher, as for any worker).
 */
import type { Logger } from '../platform/logger.js';

export interface RestoringPartitionsDeps {
  /** End offsets of the topic's partitions now. */
  endOffsets: () => Promise<{ partition: number; high: string }[]>;
  /** The store's next offset per partition. */
  storedOffsets: () => Promise<Map<number, bigint | string>>;
  logger: Logger;
  /** Pause between attempts to read the end offsets after an assignment (default 1 s). */
  retryMs?: number;
}

export class RestoringPartitions {
  /** partition → the offset its store must reach; undefined while the end offsets are being read. */
  private targets = new Map<number, bigint | undefined>();
  private assignment = 0;

  constructor(private readonly deps: RestoringPartitionsDeps) {}

  /** A new assignment: every assigned partition restores until its store reaches today's end offset. */
  onAssignment(partitions: number[]): void {
    const assignment = ++this.assignment;
    this.targets = new Map(partitions.map((p) => [p, undefined]));
    void this.readTargets(assignment, partitions);
  }

  private async readTargets(assignment: number, partitions: number[]): Promise<void> {
    while (assignment === this.assignment) {
      try {
        const ends = new Map((await this.deps.endOffsets()).map((e) => [e.partition, BigInt(e.high)]));
        if (assignment !== this.assignment) return;
        for (const p of partitions) this.targets.set(p, ends.get(p) ?? 0n);
        return;
      } catch (err) {
        this.deps.logger.warn({ err }, 'cannot read the end offsets of newly assigned partitions; they count as restoring until it can');
        await new Promise((r) => setTimeout(r, this.deps.retryMs ?? 1000));
      }
    }
  }

  /** The assigned partitions still restoring, ascending. */
  async restoring(): Promise<number[]> {
    if (this.targets.size === 0) return [];
    const targets = this.targets;
    const stored = await this.deps.storedOffsets();
    const out: number[] = [];
    for (const [p, target] of targets) {
      if (target !== undefined && BigInt(stored.get(p) ?? 0n) >= target) {
        if (targets === this.targets) this.targets.delete(p); // caught up for this assignment
      } else {
        out.push(p);
      }
    }
    return out.sort((a, b) => a - b);
  }
}
