/**
 * sql-poll into Kafka: a 前置库 table of SCJGJ (the real pipelines/departments/SCJGJ.yaml, pointed at a
 * scratch database) on the machine's PostgreSQL and MariaDB, read through `runConnectors` in pages of
 * 1000 rows (keyset on (updated_at, id)), mapped, validated, published with acks=all and checkpointed
 * per page. Rows/s over the whole run, and CPU µs per row in this process (driver + runtime).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import kafkajs from 'kafkajs';
import { runConnectors } from '../../services/connectors/connector-runtime.js';
import { chooseBroker } from '../../services/platform/broker/choose-broker.js';
import { loadConfig } from '../../services/platform/config.js';
import { silentLogger } from '../../services/platform/logger.js';
import { bjxxRows, createBjxx, insertBjxx, scjgjDepartment, scratchDb, type Driver } from '../connectors/sql-fixtures.js';
import type { BenchResult } from './bench-result.js';
import { createBenchTopics } from './bench-topics.js';

export async function benchSqlPoll(rows = 100_000): Promise<BenchResult[]> {
  const logger = silentLogger();
  const { brokers } = await chooseBroker(loadConfig(), logger);
  const kafka = new kafkajs.Kafka({ clientId: 'casepipe-bench', brokers, logLevel: kafkajs.logLevel.NOTHING });
  const out: BenchResult[] = [];
  for (const driver of ['postgres', 'mysql'] as Driver[]) {
    const admin = kafka.admin();
    await admin.connect();
    const topics = await createBenchTopics(admin, { connectorState: true });
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
      await admin.deleteTopics({ topics: [topics.caseEvents, topics.deadLetters, topics.connectorState] }).catch(() => undefined);
      await admin.disconnect();
    }
  }
  return out;
}
