/**
 * Lag for every partition this worker owns, from the end offsets on a timer — not from the last batch,
 * so a partition that had no batch since start, or a worker that stalled while records keep arriving,
 * still shows its lag. Lag = end offset − the next offset stored with the data in the live store (the
 * truth; the group's committed offset is only a hint). Also watches the group's members.
 */
import type { Logger } from '../platform/logger.js';
import type { OperatorMetrics } from './operator-metrics.js';

export interface PartitionLag {
  partition: number;
  end: string;
  stored: string;
  lag: number;
  /** Seconds the oldest unprocessed record has waited, at least; 0 when caught up. */
  oldestAgeSeconds: number;
}

export interface GroupMember {
  memberId: string;
  clientId: string;
  clientHost: string;
  self: boolean;
}

export interface LagReading {
  refreshedAt: string | null;
  /** Why the last refresh failed (the values shown are from the refresh before), or null. */
  error: string | null;
  partitions: PartitionLag[];
  total: number;
  members: GroupMember[];
  unexpectedMembers: GroupMember[];
}

export interface PartitionLagDeps {
  topic: string;
  groupId: string;
  /** End (high watermark) and start offsets of every partition of the topic. */
  endOffsets: () => Promise<{ partition: number; low: string; high: string }[]>;
  storedOffsets: () => Promise<Map<number, bigint | string>>;
  /** Partitions assigned to this worker now. */
  assigned: () => number[];
  describeGroup: () => Promise<{ memberId: string; clientId: string; clientHost: string }[]>;
  /** This worker's member id in the group (from its last join), if joined. */
  selfMemberId: () => string | undefined;
  /** How many members the group should have (1: this worker alone writes its store). */
  expectedMembers: number;
  metrics: OperatorMetrics;
  logger: Logger;
  now?: () => number;
}

/** End offsets seen at a time: a record below `high` had reached Kafka by `seenAt`. */
interface EndSample {
  high: bigint;
  seenAt: number;
}

/**
 * When the record at offset `next` had reached Kafka, at the latest: the first sample whose end offset
 * was already past it. Samples are ascending in time and end offset.
 */
export function waitingSince(samples: EndSample[], next: bigint): number | undefined {
  return samples.find((s) => s.high > next)?.seenAt;
}

export class PartitionLagWatcher {
  private readonly samples = new Map<number, EndSample[]>();
  private published = new Set<number>();
  private lastMembers = '';
  private reading: LagReading = { refreshedAt: null, error: null, partitions: [], total: 0, members: [], unexpectedMembers: [] };

  constructor(private readonly deps: PartitionLagDeps) {}

  get latest(): LagReading {
    return this.reading;
  }

  async refresh(): Promise<LagReading> {
    const now = (this.deps.now ?? Date.now)();
    try {
      const [ends, stored] = await Promise.all([this.deps.endOffsets(), this.deps.storedOffsets()]);
      const assigned = new Set(this.deps.assigned());
      const partitions: PartitionLag[] = [];
      for (const o of ends.filter((e) => assigned.has(e.partition)).sort((a, b) => a.partition - b.partition)) {
        const high = BigInt(o.high);
        const next = stored.has(o.partition) ? BigInt(stored.get(o.partition)!) : BigInt(o.low);
        const samples = this.remember(o.partition, high, next, now);
        const lag = high > next ? high - next : 0n;
        const since = lag > 0n ? waitingSince(samples, next) : undefined;
        partitions.push({ partition: o.partition, end: String(high), stored: String(next), lag: Number(lag), oldestAgeSeconds: since === undefined ? 0 : (now - since) / 1000 });
      }
      this.publish(partitions);
      const members = await this.members();
      this.reading = { refreshedAt: new Date(now).toISOString(), error: null, partitions, total: partitions.reduce((s, p) => s + p.lag, 0), ...members };
    } catch (err) {
      this.deps.logger.debug({ err }, 'could not refresh the lag');
      this.reading = { ...this.reading, error: (err as Error).message };
    }
    return this.reading;
  }

  /** Keeps the samples that can still date an unprocessed record: the first past `next` and later. */
  private remember(partition: number, high: bigint, next: bigint, now: number): EndSample[] {
    const samples = this.samples.get(partition) ?? [];
    if (samples.length === 0 || samples[samples.length - 1].high < high) samples.push({ high, seenAt: now });
    while (samples.length > 1 && samples[0].high <= next) samples.shift();
    this.samples.set(partition, samples);
    return samples;
  }

  private publish(partitions: PartitionLag[]): void {
    const { metrics, groupId, topic } = this.deps;
    const now = new Set(partitions.map((p) => p.partition));
    for (const p of this.published) {
      if (now.has(p)) continue;
      // Moved to another worker: its lag is that worker's to report.
      metrics.consumerGroupLag.remove({ consumergroup: groupId, topic, partition: String(p) });
      metrics.oldestUnprocessedAge.remove({ consumergroup: groupId, topic, partition: String(p) });
      this.samples.delete(p);
    }
    for (const p of partitions) {
      const labels = { consumergroup: groupId, topic, partition: String(p.partition) };
      metrics.consumerGroupLag.set(labels, p.lag);
      metrics.oldestUnprocessedAge.set(labels, p.oldestAgeSeconds);
    }
    this.published = now;
    metrics.lagRefreshed.setToCurrentTime();
  }

  private async members(): Promise<Pick<LagReading, 'members' | 'unexpectedMembers'>> {
    const self = this.deps.selfMemberId();
    const members = (await this.deps.describeGroup()).map((m) => ({ ...m, self: m.memberId === self })).sort((a, b) => Number(b.self) - Number(a.self) || a.memberId.localeCompare(b.memberId));
    const extra = Math.max(0, members.length - this.deps.expectedMembers);
    // The members beyond the expected count that are not this worker.
    const unexpectedMembers = extra > 0 ? members.filter((m) => !m.self).slice(-extra) : [];
    this.deps.metrics.groupMembers.set({ consumergroup: this.deps.groupId }, members.length);
    this.deps.metrics.unexpectedMembers.set({ consumergroup: this.deps.groupId }, extra);
    const key = members.map((m) => m.memberId).join(',');
    if (key !== this.lastMembers && extra > 0) {
      this.deps.logger.warn(
        { consumergroup: this.deps.groupId, expected: this.deps.expectedMembers, members: members.map(({ memberId, clientId, clientHost }) => ({ memberId, clientId, clientHost })) },
        `the consumer group has ${members.length} members, ${this.deps.expectedMembers} expected: another worker shares the partitions, so this store holds only part of the data`,
      );
    }
    this.lastMembers = key;
    return { members, unexpectedMembers };
  }
}
