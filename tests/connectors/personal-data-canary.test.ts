/**
 * Canary: personal data planted in every personal column of a department's exports (names, 身份证号
 * with valid check characters, mobiles, addresses) and in an unmapped remarks column, in GB18030 CSV and
 * JSONL, with rows that are refused (so the dead-letter path carries them too). After the runtime and
 * the worker ran, none of it is in any record of the case-events, dead-letter or connector-state topic
 * (raw bytes of keys, values and headers, searched as UTF-8 and GB18030) nor in the live store (every
 * table dumped through SQL, and the raw database files).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import iconv from 'iconv-lite';
import { runConnectors } from '../../services/connectors/connector-runtime.js';
import { hmacIdentifier } from '../../services/connectors/personal-data.js';
import { loadDepartmentRegistry } from '../../services/departments/department-registry.js';
import { silentLogger } from '../../services/platform/logger.js';
import { liveStorePath, startWorkerProcess } from '../../services/worker/worker-process.js';
import { testKafka } from '../fixtures/broker.js';
import { waitForStore } from '../fixtures/pipeline.js';
import { connectorPipeline, dropCsv, dropJsonl, HEADER, HMAC_ENV, HMAC_KEY, readTopic, sourceRows, type SourceRow } from './connector-fixtures.js';

const PERSONAL_COLUMNS = ['申请人姓名', '身份证号', '联系电话', '联系地址', '备注'] as const;

describe('no personal data leaves a connector', () => {
  it('finds none of the planted personal data in the topics, the dead letters, the connector state or the store', async () => {
    const kafka = testKafka();
    const p = await connectorPipeline(kafka, 'fd-canary', { format: 'auto', encoding: 'auto' });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const csvRows: SourceRow[] = sourceRows('P', 30);
      csvRows[3] = { ...csvRows[3], 受理渠道: '邮局' }; // refused at map: unknown value
      csvRows[7] = { ...csvRows[7], 实施编码: csvRows[7].联系电话 }; // refused at map: a mobile in a mapped column
      csvRows[11] = { ...csvRows[11], 发生时间: '1999-12-31 08:00:00' }; // refused at validate: before 2000
      const jsonRows = sourceRows('Q', 30);
      jsonRows[5] = { ...jsonRows[5], 环节: '补正' };
      const csvFile = dropCsv(p.inbox, 'YBJ-canary.csv', csvRows, 'gb18030');
      const jsonFile = dropJsonl(p.inbox, 'YBJ-canary.jsonl', jsonRows);
      // A row that cannot be split (too many fields) carries personal data too.
      const malformed = `${HEADER.map((h) => csvRows[0][h]).join(',')},多余的字段 ${csvRows[0].身份证号}\r\n`;
      fs.appendFileSync(csvFile, iconv.encode(malformed, 'gb18030'));

      const needles = [...csvRows, ...jsonRows].flatMap((r) => PERSONAL_COLUMNS.map((c) => r[c]));
      const encodings = (text: string) => [Buffer.from(text, 'utf8'), iconv.encode(text, 'gb18030')];
      // The needles as written are in the source files (so a search can find them).
      const sources = Buffer.concat([fs.readFileSync(csvFile), fs.readFileSync(jsonFile)]);
      for (const n of needles) expect(encodings(n).some((b) => sources.includes(b))).toBe(true);

      const [summary] = await runConnectors({
        kafka,
        topics: p.connectorTopics,
        departments: loadDepartmentRegistry(p.departmentsDir).departments,
        logger: silentLogger(),
        once: true,
        signal: new AbortController().signal,
        env: HMAC_ENV,
      });
      expect(summary).toMatchObject({ published: 56, deadLettered: 5 });

      const worker = await startWorkerProcess({ config: p.config, logger: silentLogger(), brokers: p.brokers, topics: p.topics, port: null });
      try {
        await waitForStore(admin, p.topics.caseEvents, () => worker.store.storedOffsets(p.topics.caseEvents));
      } finally {
        await worker.stop();
      }

      const haystacks: { where: string; bytes: Buffer }[] = [];
      for (const topic of Object.values(p.connectorTopics)) {
        const records = await readTopic(kafka, topic);
        expect(records.length).toBeGreaterThan(0);
        for (const r of records) {
          const headers = Object.entries(r.headers).flatMap(([k, v]) => [Buffer.from(k), Buffer.from(v)]);
          haystacks.push({ where: `${topic}/${r.partition}/${r.offset}`, bytes: Buffer.concat([r.key ?? Buffer.alloc(0), r.value ?? Buffer.alloc(0), ...headers]) });
        }
      }
      const storeDump = await dumpStore(liveStorePath(p.config));
      haystacks.push({ where: 'live store tables', bytes: Buffer.from(storeDump, 'utf8') });
      const liveDir = path.dirname(liveStorePath(p.config));
      for (const f of fs.readdirSync(liveDir)) haystacks.push({ where: `live store file ${f}`, bytes: fs.readFileSync(path.join(liveDir, f)) });

      // The search works: what must be there is found (the case ids, the hashed 身份证号).
      expect(storeDump).toContain(csvRows[0].办件编号);
      expect(haystacks.some((h) => h.bytes.includes(Buffer.from(hmacIdentifier(HMAC_KEY, csvRows[0].身份证号))))).toBe(true);

      const leaks: string[] = [];
      for (const n of needles) {
        for (const b of encodings(n)) for (const h of haystacks) if (h.bytes.includes(b)) leaks.push(`${JSON.stringify(n)} in ${h.where}`);
      }
      expect(leaks).toEqual([]);
    } finally {
      await admin.disconnect();
      p.cleanup();
    }
  });
});

/** Every row of every table of the live store, as JSON text. */
async function dumpStore(file: string): Promise<string> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const conn = await instance.connect();
  try {
    const tables = (await conn.runAndReadAll(`SELECT schema_name, table_name FROM duckdb_tables()`)).getRowObjects();
    const parts: string[] = [];
    for (const t of tables) {
      const rows = (await conn.runAndReadAll(`SELECT * FROM "${String(t.schema_name)}"."${String(t.table_name)}"`)).getRowsJson();
      parts.push(JSON.stringify(rows));
    }
    return parts.join('\n');
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
