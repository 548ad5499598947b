/**
 * file-drop into Kafka: one GB18030 CSV export of YBJ (the real pipelines/departments/YBJ.yaml, inbox
 * moved to a temporary folder) through `runConnectors`: decode, parse, map, HMAC, validate, encode,
 * publish with acks=all in batches of 500 rows, checkpoint each batch. Rows/s over the whole run,
 * including reading the (empty) connector state and moving the file to done/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import kafkajs from 'kafkajs';
import { runConnectors } from '../../services/connectors/connector-runtime.js';
import { loadDepartmentFile } from '../../services/departments/department-file.js';
import { chooseBroker } from '../../services/platform/broker/choose-broker.js';
import { DEFAULT_DEPARTMENTS_DIR, loadConfig } from '../../services/platform/config.js';
import { silentLogger } from '../../services/platform/logger.js';
import { dropCsv, sourceRows } from '../connectors/connector-fixtures.js';
import type { BenchResult } from './bench-result.js';
import { createBenchTopics } from './bench-topics.js';

export async function benchConnectors(rows = 100_000): Promise<BenchResult[]> {
  const logger = silentLogger();
  const { brokers } = await chooseBroker(loadConfig(), logger);
  const kafka = new kafkajs.Kafka({ clientId: 'casepipe-bench', brokers, logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topics = await createBenchTopics(admin, { connectorState: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-bench-connectors-'));
  try {
    const inbox = path.join(dir, 'inbox');
    const departments = path.join(dir, 'departments');
    fs.mkdirSync(inbox);
    fs.mkdirSync(departments);
    const yaml = fs.readFileSync(path.join(DEFAULT_DEPARTMENTS_DIR, 'YBJ.yaml'), 'utf8').replace(/inbox: .*/, `inbox: ${JSON.stringify(inbox)}`);
    fs.writeFileSync(path.join(departments, 'YBJ.yaml'), yaml);
    const file = dropCsv(inbox, 'YBJ-bench.csv', sourceRows('BENCH', rows), 'gb18030');
    const bytes = fs.statSync(file).size;

    const cpu = process.cpuUsage();
    const started = performance.now();
    const [summary] = await runConnectors({
      kafka,
      topics,
      departments: [loadDepartmentFile(path.join(departments, 'YBJ.yaml'))],
      logger,
      once: true,
      signal: new AbortController().signal,
      env: { CASEPIPE_YBJ_HMAC_KEY: 'bench-key' },
    });
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    if (summary.published !== rows) throw new Error(`published ${summary.published} of ${rows} rows: ${JSON.stringify(summary)}`);
    const cpuS = (used.user + used.system) / 1e6;
    return [
      {
        name: 'file-drop GB18030 CSV → Kafka (map, HMAC, validate, encode, acks=all, checkpoint per 500 rows)',
        value: Math.round(rows / seconds),
        unit: 'rows/s',
        note: `${rows} rows, ${(bytes / 2 ** 20).toFixed(1)} MiB, ${seconds.toFixed(1)} s; ${((cpuS / rows) * 1e6).toFixed(1)} µs CPU per row in this process`,
      },
    ];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    await admin.deleteTopics({ topics: [topics.caseEvents, topics.deadLetters, topics.connectorState] }).catch(() => undefined);
    await admin.disconnect();
  }
}
