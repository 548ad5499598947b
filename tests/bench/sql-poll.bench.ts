/**
 * sql-poll into Kafka: a 前置库 table of SCJGJ (the real pipelines/departments/SCJGJ.yaml, pointed at a
 * scratch database) on the machine's PostgreSQL and MariaDB, read through `runConnectors` in pages of
 * 1000 rows (keyset on (updated_at, id)), mapped, validated, published with acks=all and checkpointed
 * per page. Rows/s over the whole run, and CPU µs per row in this process (driver + runtime).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import kafkajs from 'kafkajs';
import { CONNECTOR_STATE } from '../../services/connectors/connector-state.js';
import { runConnectors } from '../../services/connectors/connector-runtime.js';
import { chooseBroker } from '../../services/platform/broker/choose-broker.js';
import { loadConfig } from '../../services/platform/config.js';
import { silentLogger } from '../../services/platform/logger.js';
import { CASE_EVENTS, CASE_EVENTS_DLQ } from '../../services/platform/topics.js';
import { bjxxRows, createBjxx, insertBjxx, scjgjDepartment, scratchDb, type Driver } from '../connectors/sql-fixtures.js';
import type { BenchResult } from './bench-result.js';

export async function benchSqlPoll(rows = 100_000): Promise<BenchResult[]> {
  const logger = silentLogger();
  const { brokers } = await chooseBroker(loadConfig(), logger);
  const kafka = new kafkajs.Kafka({ clientId: 'casepipe-bench', brokers, logLevel: kafkajs.logLevel.NOTHING });
  const out: BenchResult[] = [];
  for (const driver of ['postgres', 'mysql'] as Driver[]) {
    const prefix = `bench-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}.`;
    const topics = { caseEvents: prefix + CASE_EVENTS, deadLetters: prefix + CASE_EVENTS_DLQ, connectorState: prefix + CONNECTOR_STATE };
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: topics.caseEvents, numPartitions: 12, replicationFactor: 1 },
        { topic: topics.deadLetters, numPartitions: 1, replicationFactor: 1 },
        { topic: topics.connectorState, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      ],
    });
    // On a busy broker a new topic's leader can still be moving after createTopics returns.
    for (const topic of Object.values(topics)) {
      for (let attempt = 1; ; attempt++) {
        try {
          await admin.fetchTopicOffsets(topic);
          break;
        } catch (err) {
          if (attempt >= 20 || (err as { retriable?: boolean }).retriable !== true) throw err;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    }
    const db = await scratchDb(driver, 'bench');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-bench-sql-'));
    try {
      const table = await createBjxx(db);
      // 20 rows per updated_at second: ties everywhere, as batch writers make them.
      const at = (i: number) => new Date(Date.UTC(2025, 7, 1) + Math.floor(i / 20) * 1000).toISOString().replace('T', ' ').replace('Z', '');
      await insertBjxx(db, driver, table, bjxxRows(1, rows, at));
      const department = scjgjDepartment(db, dir, { pageSize: 1000 });
      const cpu = process.cpuUsage();
      const started = performance.now();
      const [summary] = await runConnectors({ kafka, topics, departments: [department], logger, once: true, signal: new AbortController().signal });
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      if (summary.published !== rows) throw new Error(`published ${summary.published} of ${rows} rows: ${JSON.stringify(summary)}`);
      out.push({
        name: `sql-poll ${driver === 'postgres' ? 'PostgreSQL' : 'MariaDB'} table → Kafka (pages of 1000 by (updated_at, id), map, validate, acks=all, checkpoint per page)`,
        value: Math.round(rows / seconds),
        unit: 'rows/s',
        note: `${rows} rows, ${seconds.toFixed(1)} s; ${(((used.user + used.system) / rows)).toFixed(1)} µs CPU per row in this process`,
      });
    } finally {
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
      await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
      await admin.disconnect();
    }
  }
  return out;
}
