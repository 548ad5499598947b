/**
 * The worker's Prometheus metrics. The registry is passed in (never prom-client's global), so tests
 * and several workers in one process each get their own.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface WorkerMetrics {
  registry: Registry;
  recordsRead: Counter<'topic' | 'partition'>;
  eventsCounted: Counter<'kind'>;
  duplicatesDropped: Counter;
  lateEvents: Counter;
  deadLetters: Counter<'reason'>;
  batchSeconds: Histogram;
  storeApplySeconds: Histogram;
  storeWaitSeconds: Counter<'reason'>;
  storedOffset: Gauge<'topic' | 'partition'>;
  lastBatchAt: Gauge;
}

export function createWorkerMetrics(registry = new Registry(), withDefaults = true): WorkerMetrics {
  if (withDefaults) collectDefaultMetrics({ register: registry, prefix: 'casepipe_worker_' });
  const r = [registry];
  return {
    registry,
    recordsRead: new Counter({ name: 'casepipe_records_read_total', help: 'Kafka records read from the case-events topic', labelNames: ['topic', 'partition'], registers: r }),
    eventsCounted: new Counter({ name: 'casepipe_events_counted_total', help: 'Valid case events applied to the live store, by kind', labelNames: ['kind'], registers: r }),
    duplicatesDropped: new Counter({ name: 'casepipe_duplicates_dropped_total', help: 'Copies of a milestone or consultation already known', registers: r }),
    lateEvents: new Counter({ name: 'casepipe_late_events_total', help: 'Events that arrived after their month had closed', registers: r }),
    deadLetters: new Counter({ name: 'casepipe_dead_letters_total', help: 'Records sent to the dead-letter topic, by reason code', labelNames: ['reason'], registers: r }),
    batchSeconds: new Histogram({ name: 'casepipe_batch_seconds', help: 'Time to process one partition batch end to end', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: r }),
    storeApplySeconds: new Histogram({ name: 'casepipe_store_apply_seconds', help: 'Time of the DuckDB transaction for one batch', buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers: r }),
    storeWaitSeconds: new Counter({
      name: 'casepipe_store_wait_seconds_total',
      help:
        "Time batch handlers waited for the live store, summed over the handlers that run at once, by reason: apply_queue_full (no room among the batches queued for the store) or previous_batch (the partition's previous batch not applied yet). Rising about as fast as the clock or faster during a catch-up: the store is what bounds throughput",
      labelNames: ['reason'],
      registers: r,
    }),
    storedOffset: new Gauge({ name: 'casepipe_stored_offset', help: 'Next offset stored in the live store, per partition', labelNames: ['topic', 'partition'], registers: r }),
    lastBatchAt: new Gauge({ name: 'casepipe_last_batch_timestamp_seconds', help: 'When the last batch was committed to the store', registers: r }),
  };
}
