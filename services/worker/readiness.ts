/**
 * Why the worker is not ready, held in one place. /readyz answers 503 with these reasons while any is
 * set; /livez is about the process only and never looks here. Any part of the worker may set or clear
 * a reason by its code (e.g. the store on a full disk); the consumer's events and a periodic broker
 * probe set the Kafka ones.
 */
import type { Consumer } from 'kafkajs';
import type { Logger } from '../platform/logger.js';

export type NotReadyCode =
  | 'STARTING'
  | 'BROKER_UNREACHABLE'
  | 'CONSUMER_CRASHED'
  | 'CONSUMER_LEFT_GROUP'
  | 'STORE_FAILED'
  | 'STORE_DISK_FULL'
  | 'STOPPING';

export interface NotReadyReason {
  code: NotReadyCode;
  message: string;
  /** When the reason was first set (ISO time). */
  since: string;
}

export class Readiness {
  private readonly reasons = new Map<NotReadyCode, NotReadyReason>();

  constructor(private readonly log?: Logger, private readonly now: () => Date = () => new Date()) {}

  /** Sets a reason; keeps its first `since` when it is set again. */
  set(code: NotReadyCode, message: string): void {
    const had = this.reasons.get(code);
    this.reasons.set(code, { code, message, since: had?.since ?? this.now().toISOString() });
    // Starting and stopping are the normal course of things, not trouble.
    if (!had) this.log?.[code === 'STARTING' || code === 'STOPPING' ? 'info' : 'warn']({ reason: code }, `not ready: ${message}`);
  }

  clear(code: NotReadyCode): void {
    if (this.reasons.delete(code) && code !== 'STARTING') this.log?.info({ reason: code }, 'readiness reason cleared');
  }

  get ready(): boolean {
    return this.reasons.size === 0;
  }

  list(): NotReadyReason[] {
    return [...this.reasons.values()];
  }
}

/**
 * Follows the consumer's instrumentation events: joining the group makes it ready; a crash it will not
 * restart from makes it not ready at once. kafkajs also crashes, stops and disconnects the consumer on
 * its way through a restart (a broker restart, a rebalance): those count only when no join follows
 * within `rejoinGraceMs`.
 */
export function followConsumer(readiness: Readiness, consumer: Pick<Consumer, 'on' | 'events'>, rejoinGraceMs: number): void {
  const { GROUP_JOIN, CRASH, STOP, DISCONNECT } = consumer.events;
  let pending: NodeJS.Timeout | undefined;
  const unlessRejoined = (code: 'CONSUMER_CRASHED' | 'CONSUMER_LEFT_GROUP', message: string) => {
    pending ??= setTimeout(() => readiness.set(code, `${message} and has not rejoined its group since`), rejoinGraceMs);
    pending.unref();
  };
  consumer.on(GROUP_JOIN, () => {
    clearTimeout(pending);
    pending = undefined;
    readiness.clear('STARTING');
    readiness.clear('CONSUMER_CRASHED');
    readiness.clear('CONSUMER_LEFT_GROUP');
  });
  consumer.on(CRASH, (e) => {
    const message = `the consumer crashed (${e.payload.error.message})`;
    if (e.payload.restart) unlessRejoined('CONSUMER_CRASHED', message);
    else readiness.set('CONSUMER_CRASHED', `${message} and will not restart`);
  });
  consumer.on(STOP, () => unlessRejoined('CONSUMER_LEFT_GROUP', 'the consumer stopped'));
  consumer.on(DISCONNECT, () => unlessRejoined('CONSUMER_LEFT_GROUP', 'the consumer disconnected'));
}

export interface BrokerProbeOptions {
  readiness: Readiness;
  /** One cheap request to the cluster (e.g. admin.describeCluster); rejects when no broker answers. */
  probe: () => Promise<unknown>;
  /** Unreachable for longer than this makes the worker not ready. */
  unreachableAfterMs: number;
  intervalMs: number;
  logger: Logger;
  now?: () => number;
}

/**
 * Asks the cluster every `intervalMs`. A short blip (a leader election, a broker restart) is not worth
 * waking anyone: only an outage longer than `unreachableAfterMs` sets BROKER_UNREACHABLE.
 */
export class BrokerProbe {
  private timer: NodeJS.Timeout | undefined;
  private failingSince: number | undefined;
  private inFlight = false;

  constructor(private readonly opts: BrokerProbeOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One probe; exposed for tests. */
  async check(): Promise<void> {
    if (this.inFlight) return;
    this.inFlight = true;
    const now = this.opts.now ?? Date.now;
    try {
      await this.opts.probe();
      if (this.failingSince !== undefined) this.opts.logger.info({ downMs: now() - this.failingSince }, 'broker answers again');
      this.failingSince = undefined;
      this.opts.readiness.clear('BROKER_UNREACHABLE');
    } catch (err) {
      this.failingSince ??= now();
      const downMs = now() - this.failingSince;
      this.opts.logger.debug({ err, downMs }, 'broker probe failed');
      if (downMs >= this.opts.unreachableAfterMs) {
        this.opts.readiness.set('BROKER_UNREACHABLE', `no broker has answered for ${Math.round(downMs / 1000)} s (${(err as Error).message})`);
      }
    } finally {
      this.inFlight = false;
    }
  }
}
