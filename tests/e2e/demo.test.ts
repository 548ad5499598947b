/**
 * The demo pipeline end to end on the real broker, from the departments' raw sources: the generated
 * August 2025 is written as 40-odd departments' exports (personal fields, re-sent and malformed
 * records), read by the connectors, counted by the worker, snapshotted, and comes out as the reference
 * report's eight figures and paragraph; every malformed record is dead-lettered under the reason it
 * was made with; and no personal value of the raw sources is on the topics, in the store or in the
 * snapshot. A second run says it reset the data.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parseDeadLetter } from '../../services/contract/dead-letter.js';
import { createKafka } from '../../services/platform/kafka-client.js';
import { runDemo, type DemoResult } from '../../services/demo/run-demo.js';
import type { PersonalValues } from '../../services/demo/applicants.js';
import { silentLogger } from '../../services/platform/logger.js';
import { readTopic } from '../connectors/connector-fixtures.js';
import { testPipeline } from '../fixtures/pipeline.js';

const REFERENCE_PARAGRAPH =
  '8月,省本级办理政务服务事项 5.25 万件。各进驻部门(单位)窗口共受理政务服务事项全程网办 5.09 万件,办结政务服务事项全程网办 5.22 万件;' +
  '综合窗口受理政务服务事项 0.16 万件,窗口出件量 0.34 万件;政务大厅现场邮寄量 0.08 万件;为办事企业群众提供电话咨询 1093 人(次)、现场咨询服务 4811 人(次)。';

/** Every personal value of the raw sources found in `text`, by kind (overlapping matches included). */
function leaks(text: string, personal: PersonalValues): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?=(\d{17}[\dX]))/g)) if (personal.idNumbers.has(m[1])) found.push(`身份证号 ${m[1]}`);
  // A mobile number stands alone; inside a longer digit run (an epoch-ms time) it is another number.
  for (const m of text.matchAll(/(?<!\d)1[3-9]\d{9}(?!\d)/g)) if (personal.mobiles.has(m[0])) found.push(`手机号 ${m[0]}`);
  for (const m of text.matchAll(/[\u4e00-\u9fff]{3,}/g)) {
    for (let i = 0; i + 3 <= m[0].length; i++) if (personal.names.has(m[0].slice(i, i + 3))) found.push(`姓名 ${m[0].slice(i, i + 3)}`);
  }
  for (let i = text.indexOf('四川省成都市'); i >= 0; i = text.indexOf('四川省成都市', i + 1)) {
    for (let len = 20; len <= 40; len++) if (personal.addresses.has(text.slice(i, i + len))) found.push(`地址 ${text.slice(i, i + len)}`);
  }
  return found;
}

function filesUnder(dir: string, keep: (f: string) => boolean): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => path.join(dir, f)).filter((f) => fs.statSync(f).isFile() && keep(f));
}

/** Every value of every table of the DuckDB files and of the Parquet files, as text. */
async function storedText(files: string[]): Promise<string[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const out: string[] = [];
  try {
    for (const [i, file] of files.entries()) {
      if (file.endsWith('.parquet')) {
        const source = `read_parquet('${file.replace(/'/g, "''")}')`;
        const columns = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjects().filter((c) => String(c.column_type).startsWith('VARCHAR'));
        for (const c of columns) out.push((await conn.runAndReadAll(`SELECT DISTINCT "${String(c.column_name)}"::VARCHAR AS v FROM ${source}`)).getRowObjects().map((r) => String(r.v)).join('\n'));
        continue;
      }
      await conn.run(`ATTACH '${file.replace(/'/g, "''")}' AS f${i} (READ_ONLY)`);
      // Text is where a personal value could be: every distinct value of every text column.
      const columns = (
        await conn.runAndReadAll(`SELECT schema_name, table_name, column_name FROM duckdb_columns() WHERE database_name = 'f${i}' AND data_type IN ('VARCHAR', 'VARCHAR[]', 'JSON')`)
      ).getRowObjects();
      for (const c of columns) {
        const rows = await conn.runAndReadAll(`SELECT DISTINCT "${String(c.column_name)}"::VARCHAR AS v FROM f${i}."${String(c.schema_name)}"."${String(c.table_name)}"`);
        out.push(rows.getRowObjects().map((r) => String(r.v)).join('\n'));
      }
      await conn.run(`DETACH f${i}`);
    }
  } finally {
    conn.closeSync();
  }
  return out;
}

describe('npm run demo', () => {
  const p = testPipeline('demo');
  afterAll(() => p.cleanup());
  let first: DemoResult;

  it('reproduces the August 2025 report from the departments\' raw sources through the connectors', async () => {
    const lines: string[] = [];
    first = await runDemo({ config: p.config, logger: silentLogger(), brokers: p.brokers, print: (l) => lines.push(l) });

    expect(first.figures.total).toEqual({
      totalHandled: 52500,
      fullOnlineReceived: 50900,
      fullOnlineCompleted: 52200,
      windowReceived: 1600,
      windowDelivered: 3400,
      mailed: 800,
      phoneConsultations: 1093,
      onsiteConsultations: 4811,
    });
    expect(first.paragraph).toBe(REFERENCE_PARAGRAPH);
    expect(lines).toContain(REFERENCE_PARAGRAPH);
    expect(first.figures).toEqual(first.truth);
    expect(first.connectors.length).toBeGreaterThanOrEqual(40);
    expect(first.connectors.filter((c) => c.error)).toEqual([]);
    const report = fs.readFileSync(path.join(first.snapshotFolder, 'report.md'), 'utf8');
    expect(report).toContain(REFERENCE_PARAGRAPH);
    expect(first.reset).toBe(false);
  }, 600_000);

  it('dead-letters every malformed raw record under the reason it was made with, ~0.5% of the records', async () => {
    const kafka = createKafka(p.config, p.brokers, silentLogger());
    const dead = (await readTopic(kafka, first.topics.deadLetters)).map((r) => parseDeadLetter(r)!);
    const byReason: Record<string, number> = {};
    for (const d of dead) byReason[d.reason] = (byReason[d.reason] ?? 0) + 1;
    expect(byReason).toEqual(first.plannedRefusals);
    expect(first.deadLettersByReason).toEqual(first.plannedRefusals);
    // Bad dates, codes not in the source's code table, broken CSV/JSON rows, a 身份证号 typed into the
    // case number, unset (1970) dates, and the one file sent in the wrong encoding.
    expect(Object.keys(byReason).sort()).toEqual(['INVALID_EVENT_TIME', 'MAP_BAD_TIME', 'MAP_PERSONAL_DATA', 'MAP_UNKNOWN_VALUE', 'SOURCE_FILE_UNREADABLE', 'SOURCE_ROW_MALFORMED']);
    expect(byReason.SOURCE_FILE_UNREADABLE).toBe(1);
    const read = first.connectors.reduce((n, c) => n + c.read, 0);
    expect(dead.length / read).toBeGreaterThan(0.003);
    expect(dead.length / read).toBeLessThan(0.007);
    expect(dead.every((d) => d.source.topic.startsWith('connector/') && d.message.length > 0)).toBe(true);
    // The per-department connector figures are on screen and in the file.
    expect(fs.readFileSync(first.connectorTableFile, 'utf8')).toMatch(/^JTYST 交通运输厅 +file xlsx/m);
  }, 120_000);

  it('lets no personal value of the raw sources reach the topics, the store or the snapshot', async () => {
    const personal = first.personal;
    expect(personal.idNumbers.size).toBeGreaterThan(50_000);
    // The check itself finds a value when there is one.
    const someId = personal.idNumbers.values().next().value!;
    expect(leaks(`x${someId}y ${[...personal.names][0]}`, personal)).toHaveLength(2);

    const kafka = createKafka(p.config, p.brokers, silentLogger());
    for (const topic of [first.topics.caseEvents, first.topics.deadLetters]) {
      const records = await readTopic(kafka, topic);
      expect(records.length).toBeGreaterThan(0);
      const found = records.flatMap((r) => leaks([r.key?.toString('utf8'), r.value?.toString('utf8'), ...Object.values(r.headers)].join('\u0000'), personal));
      expect({ topic, found: found.slice(0, 5) }).toEqual({ topic, found: [] });
    }
    const demoDir = path.join(p.dataDir, 'demo');
    const stores = filesUnder(demoDir, (f) => !f.includes(`${path.sep}sources${path.sep}`) && /\.(duckdb|parquet)$/.test(f));
    expect(stores.some((f) => f.endsWith('snapshot.duckdb'))).toBe(true);
    expect(stores.some((f) => !f.includes(`${path.sep}snapshots${path.sep}`) && f.endsWith('.duckdb'))).toBe(true); // the live store
    const texts = [
      ...(await storedText(stores)),
      ...filesUnder(demoDir, (f) => !f.includes(`${path.sep}sources${path.sep}`) && /\.(md|html|json|txt|csv)$/.test(f)).map((f) => fs.readFileSync(f, 'utf8')),
    ];
    const found = texts.flatMap((t) => leaks(t, personal));
    expect(found.slice(0, 5)).toEqual([]);
  }, 300_000);

  it('says it resets the data of the previous run on a second run, and gives the figures of its month', async () => {
    const lines: string[] = [];
    // A smaller month: the reset is the point here, not the volume.
    const targets = { fullOnlineReceived: 2000, fullOnlineCompleted: 2050, windowReceived: 100, windowDelivered: 120, mailed: 40, phoneConsultations: 50, onsiteConsultations: 80 };
    const result = await runDemo({ config: p.config, logger: silentLogger(), brokers: p.brokers, print: (l) => lines.push(l), targets });
    expect(result.reset).toBe(true);
    expect(lines.some((l) => l.startsWith('Resetting the data of the previous demo run'))).toBe(true);
    expect(result.figures.total).toEqual({ totalHandled: 2100, ...targets });
    expect(result.deadLettersByReason).toEqual(result.plannedRefusals);
    expect(result.version).toBe(1);
  }, 300_000);
});
