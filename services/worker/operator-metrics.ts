/**
 * The metrics operators alert on, beyond the worker's per-batch counters (worker-metrics.ts): lag from
 * the end offsets, group membership, readiness, the store, departments, snapshot jobs, and the
 * connectors' per-department counters. Names live here once; infra/prometheus/alerts.yml and the
 * Grafana dashboard use exactly these. Registered on an injected registry, never prom-client's global.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export const OPERATOR_METRIC = {
  /** kafka_exporter's shape, so dashboards made for it work unchanged. */
  consumerGroupLag: 'casepipe_consumergroup_lag',
  oldestUnprocessedAge: 'casepipe_consumergroup_oldest_unprocessed_age_seconds',
  lagRefreshed: 'casepipe_consumergroup_lag_refreshed_timestamp_seconds',
  groupMembers: 'casepipe_consumergroup_members',
  unexpectedMembers: 'casepipe_consumergroup_unexpected_members',
  ready: 'casepipe_worker_ready',
  notReadyReason: 'casepipe_worker_not_ready_reason',
  storeFileBytes: 'casepipe_store_file_bytes',
  storeRows: 'casepipe_store_rows',
  storeWalBytes: 'casepipe_store_wal_bytes',
  storeMemory: 'casepipe_store_memory_bytes',
  storeSpilled: 'casepipe_store_spilled_bytes',
  recordCheckHeap: 'casepipe_worker_record_check_heap_bytes',
  storeCheckpoints: 'casepipe_store_checkpoints_total',
  storeCheckpointFailures: 'casepipe_store_checkpoint_failures_total',
  storeLastCheckpointDuration: 'casepipe_store_last_checkpoint_duration_seconds',
  deadLettersStored: 'casepipe_dead_letters_stored',
  departmentLastEvent: 'casepipe_department_last_event_timestamp_seconds',
  departmentCadence: 'casepipe_department_cadence_seconds',
  departmentStale: 'casepipe_department_stale',
  snapshotLastSuccess: 'casepipe_snapshot_last_success_timestamp_seconds',
  snapshotDue: 'casepipe_snapshot_due_timestamp_seconds',
  snapshotDuration: 'casepipe_snapshot_duration_seconds',
  snapshotProvisional: 'casepipe_snapshot_provisional',
  snapshotFailures: 'casepipe_snapshot_failures_total',
  connectorRecordsRead: 'casepipe_connector_records_read_total',
  connectorRecordsPublished: 'casepipe_connector_records_published_total',
  connectorRecordsRefused: 'casepipe_connector_records_refused_total',
  connectorLastSuccessfulRead: 'casepipe_connector_last_successful_read_timestamp_seconds',
  connectorSourceErrors: 'casepipe_connector_source_errors_total',
} as const;

const M = OPERATOR_METRIC;
type PartitionLabels = 'consumergroup' | 'topic' | 'partition';

export interface OperatorMetrics {
  consumerGroupLag: Gauge<PartitionLabels>;
  oldestUnprocessedAge: Gauge<PartitionLabels>;
  lagRefreshed: Gauge;
  groupMembers: Gauge<'consumergroup'>;
  unexpectedMembers: Gauge<'consumergroup'>;
  ready: Gauge;
  notReadyReason: Gauge<'reason'>;
  storeFileBytes: Gauge;
  storeRows: Gauge<'table'>;
  storeWalBytes: Gauge;
  storeMemory: Gauge<'tag'>;
  storeSpilled: Gauge;
  recordCheckHeap: Gauge<'space'>;
  storeCheckpoints: Counter;
  storeCheckpointFailures: Counter;
  storeLastCheckpointDuration: Gauge;
  deadLettersStored: Gauge<'reason'>;
  departmentLastEvent: Gauge<'department'>;
  departmentCadence: Gauge<'department'>;
  departmentStale: Gauge<'department'>;
  snapshotLastSuccess: Gauge<'month'>;
  snapshotDue: Gauge<'month'>;
  snapshotDuration: Gauge<'month'>;
  snapshotProvisional: Gauge<'month'>;
  snapshotFailures: Counter<'month'>;
}

export function createOperatorMetrics(registry: Registry): OperatorMetrics {
  const registers = [registry];
  const gauge = <L extends string>(name: string, help: string, labelNames: L[] = []) => new Gauge<L>({ name, help, labelNames, registers });
  const partition: PartitionLabels[] = ['consumergroup', 'topic', 'partition'];
  return {
    consumerGroupLag: gauge(M.consumerGroupLag, 'Records between the end offset and the offset stored with the data, per assigned partition, refreshed on a timer', partition),
    oldestUnprocessedAge: gauge(
      M.oldestUnprocessedAge,
      'Seconds the oldest unprocessed record of the partition has been waiting, at least (0 when caught up; see docs/operations.md)',
      partition,
    ),
    lagRefreshed: gauge(M.lagRefreshed, 'When the end offsets were last read from Kafka'),
    groupMembers: gauge(M.groupMembers, 'Members of the consumer group', ['consumergroup']),
    unexpectedMembers: gauge(M.unexpectedMembers, 'Members of the group beyond the expected CASEPIPE_EXPECTED_GROUP_MEMBERS', ['consumergroup']),
    ready: gauge(M.ready, '1 when /readyz answers 200'),
    notReadyReason: gauge(M.notReadyReason, '1 for each reason the worker is not ready', ['reason']),
    storeFileBytes: gauge(M.storeFileBytes, 'Size of the live store file and its WAL'),
    storeRows: gauge(M.storeRows, 'Rows in the live store', ['table']),
    storeWalBytes: gauge(M.storeWalBytes, "Size of the live store's WAL: the rows not yet checkpointed (checkpointed past CASEPIPE_CHECKPOINT_THRESHOLD)"),
    storeMemory: gauge(M.storeMemory, "DuckDB's memory by what holds it (duckdb_memory()); IN_MEMORY_TABLE: rows not yet checkpointed. Under CASEPIPE_APPLY_MEMORY_LIMIT in sum", ['tag']),
    storeSpilled: gauge(M.storeSpilled, 'What DuckDB spilled to the store directory (.tmp) past its memory limit'),
    recordCheckHeap: gauge(M.recordCheckHeap, "The record-check thread's V8 heap by space (committed bytes; the worker's own: casepipe_worker_nodejs_heap_space_size_total_bytes)", ['space']),
    storeCheckpoints: new Counter({ name: M.storeCheckpoints, help: 'Checkpoints of the live store after a batch took the WAL past the threshold', registers }),
    storeCheckpointFailures: new Counter({ name: M.storeCheckpointFailures, help: 'Checkpoints of the live store that failed (tried again after the next batch)', registers }),
    storeLastCheckpointDuration: gauge(M.storeLastCheckpointDuration, 'How long the last checkpoint held every writer (batches wait for it)'),
    deadLettersStored: gauge(M.deadLettersStored, 'Dead letters recorded in the live store since it was built, by reason', ['reason']),
    departmentLastEvent: gauge(M.departmentLastEvent, 'When the latest record of the department reached Kafka (seeded from the latest stored event time)', ['department']),
    departmentCadence: gauge(M.departmentCadence, "The department's declared cadence (pipelines/departments/<code>.yaml)", ['department']),
    departmentStale: gauge(M.departmentStale, '1 when nothing arrived from the department for longer than its cadence', ['department']),
    snapshotLastSuccess: gauge(M.snapshotLastSuccess, "When the month's latest snapshot was written or confirmed", ['month']),
    snapshotDue: gauge(M.snapshotDue, 'When the month is due to be snapshotted (closed months with data, no snapshot yet)', ['month']),
    snapshotDuration: gauge(M.snapshotDuration, "Duration of the month's last snapshot run", ['month']),
    snapshotProvisional: gauge(M.snapshotProvisional, "1 when the month's latest snapshot is provisional", ['month']),
    snapshotFailures: new Counter({ name: M.snapshotFailures, help: 'Snapshot runs that failed', labelNames: ['month'], registers }),
  };
}

export interface ConnectorMetrics {
  recordsRead: Counter<'department'>;
  recordsPublished: Counter<'department'>;
  recordsRefused: Counter<'department' | 'reason'>;
  lastSuccessfulRead: Gauge<'department'>;
  sourceErrors: Counter<'department' | 'code'>;
}

/** For connector processes: their per-department counters under the names the alerts and dashboard use. */
export function createConnectorMetrics(registry: Registry): ConnectorMetrics {
  const registers = [registry];
  return {
    recordsRead: new Counter({ name: M.connectorRecordsRead, help: 'Source records read', labelNames: ['department'], registers }),
    recordsPublished: new Counter({ name: M.connectorRecordsPublished, help: 'Case events published to Kafka', labelNames: ['department'], registers }),
    recordsRefused: new Counter({ name: M.connectorRecordsRefused, help: 'Source records refused, by reason code', labelNames: ['department', 'reason'], registers }),
    lastSuccessfulRead: new Gauge({ name: M.connectorLastSuccessfulRead, help: 'When the source was last read without error', labelNames: ['department'], registers }),
    sourceErrors: new Counter({ name: M.connectorSourceErrors, help: 'Errors reading the source, by error code', labelNames: ['department', 'code'], registers }),
  };
}
