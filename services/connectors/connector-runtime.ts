/**
 * `casepipe connectors run`: runs the declared departments' connectors. Per batch: every record is
 * mapped and validated (record-outcome), the events are published keyed by case id and the refused
 * records dead-lettered, both with an idempotent producer and acks=all; only after the broker
 * acknowledged them is the batch's checkpoint stored (connector-state), and only then is the batch's
 * afterCommit run (a file moves to done/). A crash anywhere re-sends at most the last batch, with the
 * same event ids (they derive from the source record), so the worker's dedupe keeps the figures exact.
 *
 * A department's failure (a missing secret, a source down beyond its retries) is logged and does not
 * stop the others; a refused record never stops its department.
 */
import type { Kafka, Message, Producer } from 'kafkajs';
import { encodeCaseEvent } from '../contract/codec.js';
import { durationMs, type Department } from '../departments/department-file.js';
import { CasepipeError, isCasepipeError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { SourceBatch, SourceConnector } from './connector.js';
import { ConnectorState } from './connector-state.js';
import { connectorType } from './connector-types.js';
import { mapDeadLetter } from './map-dead-letter.js';
import { cellText, compileMapping, mappedColumns } from './record-mapping.js';
import type { ConnectorMetrics } from '../worker/operator-metrics.js';
import { recordOutcome } from './record-outcome.js';
import { readSecret } from './secrets.js';
import { sourceRequester } from './source-requests.js';

export interface ConnectorTopics {
  caseEvents: string;
  deadLetters: string;
  connectorState: string;
}

export interface ConnectorRunOptions {
  kafka: Kafka;
  topics: ConnectorTopics;
  departments: Department[];
  logger: Logger;
  /** Read what is there now and stop (cron, tests); otherwise keep polling until the signal aborts. */
  once: boolean;
  signal: AbortSignal;
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  /** Every declared department, code → name, that a mapped departmentCode may name (default: `departments`). */
  declared?: ReadonlyMap<string, string>;
  /** Per-department counters (operator-metrics.ts createConnectorMetrics). */
  metrics?: ConnectorMetrics;
  /** Called after each committed batch with the department's running summary (progress). */
  onBatch?: (department: string, summary: Readonly<DepartmentRunSummary>) => void;
}

export interface DepartmentRunSummary {
  department: string;
  batches: number;
  /** Source records read (published + dead-lettered). */
  read: number;
  published: number;
  deadLettered: number;
  /** Dead-lettered records by reason code. */
  refused: Record<string, number>;
  /** Non-empty personal cells of the records read that were dropped (personalData.drop), and hashed (personalData.hmac, when mapped). */
  personalDropped: number;
  personalHashed: number;
  /** Set when the department stopped on an error. */
  error?: { code: string; message: string };
}

export async function runConnectors(opts: ConnectorRunOptions): Promise<DepartmentRunSummary[]> {
  const state = await ConnectorState.load(opts.kafka, opts.topics.connectorState);
  const producer = opts.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    return await Promise.all(opts.departments.map((d) => runDepartment(d, state, producer, opts)));
  } finally {
    await producer.disconnect();
  }
}

async function runDepartment(d: Department, state: ConnectorState, producer: Producer, opts: ConnectorRunOptions): Promise<DepartmentRunSummary> {
  const log = opts.logger.child({ component: 'connector', department: d.code, type: d.source.type });
  const summary: DepartmentRunSummary = { department: d.code, batches: 0, read: 0, published: 0, deadLettered: 0, refused: {}, personalDropped: 0, personalHashed: 0 };
  const now = opts.now ?? Date.now;
  let connector: SourceConnector | undefined;
  try {
    const hmacKey = d.personalData.hmacKey ? readSecret(d.personalData.hmacKey, opts.env) : undefined;
    const declared = opts.declared ?? new Map(opts.departments.map((x) => [x.code, x.name]));
    const map = compileMapping(d.mapping, d.personalData, { departmentCode: d.code, departmentName: d.name, declared }, hmacKey);
    const type = connectorType(d.source.type);
    if (!type) throw new CasepipeError('DEPARTMENT_FILE_INVALID', `${d.file}: unknown connector type ${d.source.type}`);
    connector = type.create(d.source, { department: d.code, logger: log, request: sourceRequester(d.limits, log, opts.signal), mappedColumns: mappedColumns(d.mapping), env: opts.env });
    const checkpoints = state.reader(d.code);
    const cadenceMs = durationMs(d.cadence.every);
    let failures = 0;
    for (;;) {
      const before = summary.batches;
      try {
        for await (const batch of connector.read(checkpoints, opts.signal)) {
          await publishBatch(batch, d, map, producer, state, opts, summary, now);
          if (opts.signal.aborted) break;
        }
        failures = 0;
      } catch (err) {
        if (opts.once || !isCasepipeError(err) || !err.canRetry) throw err;
        failures++;
        opts.metrics?.sourceErrors.inc({ department: d.code, code: err.code });
        log.error({ err: (err as Error).message, code: err.code, failures }, 'source read failed; trying again at the next poll');
      }
      if (opts.once || opts.signal.aborted) break;
      const last = state.lastStoredAt(d.code);
      if (summary.batches === before && last && now() - last.getTime() > cadenceMs) {
        log.warn({ lastDataAt: last.toISOString(), expectedEvery: d.cadence.every }, 'no new data for longer than the declared cadence');
      }
      const waitMs = Math.min(60_000, 1000 * 2 ** failures);
      if (connector.waitForData) await connector.waitForData(opts.signal, failures > 0 ? waitMs : 60_000);
      else await new Promise((r) => setTimeout(r, waitMs));
    }
  } catch (err) {
    summary.error = { code: isCasepipeError(err) ? err.code : 'SOURCE_UNAVAILABLE', message: (err as Error).message };
    log.error({ err: summary.error }, 'department connector stopped');
  } finally {
    await connector?.close?.();
  }
  return summary;
}

async function publishBatch(
  batch: SourceBatch,
  d: Department,
  map: ReturnType<typeof compileMapping>,
  producer: Producer,
  state: ConnectorState,
  opts: ConnectorRunOptions,
  summary: DepartmentRunSummary,
  now: () => number,
): Promise<void> {
  const events: Message[] = [];
  const dead: Message[] = [];
  const refused: Record<string, number> = {};
  const ingestedAt = now();
  let dropped = 0;
  let hashed = 0;
  const hashedMapped = d.personalData.hmac.filter((c) => mappedColumns(d.mapping).has(c));
  for (const record of batch.records) {
    const outcome = recordOutcome(record, map, ingestedAt);
    if (outcome.event) events.push({ key: outcome.event.caseId, value: encodeCaseEvent(outcome.event) });
    else {
      dead.push(mapDeadLetter(d, record, outcome.refusal));
      refused[outcome.refusal.code] = (refused[outcome.refusal.code] ?? 0) + 1;
    }
    if (record.fields) {
      for (const c of d.personalData.drop) if (cellText(record.fields[c]) !== undefined) dropped++;
      if (outcome.event) for (const c of hashedMapped) if (cellText(record.fields[c]) !== undefined) hashed++;
    }
  }
  const topicMessages = [
    { topic: opts.topics.caseEvents, messages: events },
    { topic: opts.topics.deadLetters, messages: dead },
  ].filter((t) => t.messages.length > 0);
  if (topicMessages.length > 0) await producer.sendBatch({ acks: -1, topicMessages });
  // Acknowledged by every in-sync replica: now the source may move on.
  await state.store(producer, d.code, batch.stream, batch.checkpoint);
  await batch.afterCommit?.();
  summary.batches++;
  summary.read += batch.records.length;
  summary.published += events.length;
  summary.deadLettered += dead.length;
  summary.personalDropped += dropped;
  summary.personalHashed += hashed;
  for (const [code, n] of Object.entries(refused)) summary.refused[code] = (summary.refused[code] ?? 0) + n;
  opts.metrics?.recordsRead.inc({ department: d.code }, batch.records.length);
  opts.metrics?.recordsPublished.inc({ department: d.code }, events.length);
  for (const [reason, n] of Object.entries(refused)) opts.metrics?.recordsRefused.inc({ department: d.code, reason }, n);
  opts.metrics?.lastSuccessfulRead.set({ department: d.code }, Date.now() / 1000);
  opts.onBatch?.(d.code, summary);
}
