/**
 * Real files through the connector runtime to the real broker: CSV in UTF-8, UTF-8 with BOM and
 * GB18030 (detected), XLSX with date cells and JSONL, all with 中文 values; the events on the topic are
 * decoded and compared field by field with what the rows must become. Plus the declared GB18030 of the
 * real YBJ.yaml, a re-sent file (read once), a refused row (dead-lettered with stage map, file and row,
 * the stream goes on) and a file that cannot be decoded (moved to failed/ with its reason, and one dead letter for the file).
 */
import fs from 'node:fs';
import path from 'node:path';
import { decodeCaseEvent } from '../../services/contract/codec.js';
import { parseDeadLetter } from '../../services/contract/dead-letter.js';
import { runConnectors } from '../../services/connectors/connector-runtime.js';
import { loadDepartmentRegistry } from '../../services/departments/department-registry.js';
import { silentLogger } from '../../services/platform/logger.js';
import { testKafka } from '../fixtures/broker.js';
import { connectorPipeline, dropCsv, dropJsonl, dropXlsx, expectedEvent, HMAC_ENV, readTopic, sourceRows, type ConnectorPipeline } from './connector-fixtures.js';

const kafka = testKafka();

async function runOnce(p: ConnectorPipeline) {
  const { departments } = loadDepartmentRegistry(p.departmentsDir);
  return runConnectors({ kafka, topics: p.connectorTopics, departments, logger: silentLogger(), once: true, signal: new AbortController().signal, env: HMAC_ENV });
}

async function publishedEvents(p: ConnectorPipeline) {
  return (await readTopic(kafka, p.topics.caseEvents)).map((r) => ({ key: r.key!.toString(), event: decodeCaseEvent(r.value).event }));
}

describe('file-drop through the runtime to the broker', () => {
  it('publishes UTF-8, UTF-8 BOM, GB18030 CSV, XLSX and JSONL rows as the events they declare, field by field', async () => {
    const p = await connectorPipeline(kafka, 'fd-formats', { format: 'auto', encoding: 'auto', batchSize: 7 });
    try {
      const files = {
        'ybj-utf8.csv': sourceRows('U', 20),
        'ybj-bom.csv': sourceRows('B', 20),
        'ybj-gb18030.csv': sourceRows('G', 20),
        'ybj.xlsx': sourceRows('X', 20),
        'ybj.jsonl': sourceRows('J', 20),
      };
      dropCsv(p.inbox, 'ybj-utf8.csv', files['ybj-utf8.csv'], 'utf-8');
      dropCsv(p.inbox, 'ybj-bom.csv', files['ybj-bom.csv'], 'utf-8-bom');
      dropCsv(p.inbox, 'ybj-gb18030.csv', files['ybj-gb18030.csv'], 'gb18030');
      await dropXlsx(p.inbox, 'ybj.xlsx', files['ybj.xlsx']);
      dropJsonl(p.inbox, 'ybj.jsonl', files['ybj.jsonl']);

      const [summary] = await runOnce(p);
      expect(summary).toMatchObject({ department: 'YBJ', published: 100, deadLettered: 0 });
      expect(summary.error).toBeUndefined();

      const got = await publishedEvents(p);
      const expected = Object.values(files).flat().map(expectedEvent);
      expect(got).toHaveLength(expected.length);
      const byId = new Map(got.map((g) => [g.event.eventId, g]));
      for (const want of expected) {
        const g = byId.get(want.eventId);
        expect(g?.event).toEqual(want);
        expect(g?.key).toBe(want.caseId);
      }
      // Every file moved to done/ with what happened beside it; GB18030 was detected and said so.
      expect(fs.readdirSync(p.inbox).filter((f) => f !== 'done')).toEqual([]);
      const gb = JSON.parse(fs.readFileSync(path.join(p.inbox, 'done', 'ybj-gb18030.csv.done.json'), 'utf8'));
      expect(gb).toMatchObject({ rows: 20, encoding: { name: 'gb18030', how: 'detected' } });
      expect(JSON.parse(fs.readFileSync(path.join(p.inbox, 'done', 'ybj-bom.csv.done.json'), 'utf8')).encoding).toEqual({ name: 'utf-8', how: 'bom' });

      // The same content dropped again under another name is not read again.
      dropCsv(p.inbox, 'ybj-utf8-resent.csv', files['ybj-utf8.csv'], 'utf-8');
      const [again] = await runOnce(p);
      expect(again).toMatchObject({ published: 0, deadLettered: 0 });
      expect(JSON.parse(fs.readFileSync(path.join(p.inbox, 'done', 'ybj-utf8-resent.csv.done.json'), 'utf8')).note).toBe('same content as ybj-utf8.csv, read before');
      expect(await publishedEvents(p)).toHaveLength(100);
    } finally {
      p.cleanup();
    }
  });

  it('watches the inbox: a file dropped while running is published, and an abort stops the run after its batch', async () => {
    const p = await connectorPipeline(kafka, 'fd-watch');
    try {
      const controller = new AbortController();
      const running = runConnectors({
        kafka,
        topics: p.connectorTopics,
        departments: loadDepartmentRegistry(p.departmentsDir).departments,
        logger: silentLogger(),
        once: false,
        signal: controller.signal,
        env: HMAC_ENV,
      });
      await new Promise((r) => setTimeout(r, 1500));
      const rows = sourceRows('W', 9);
      dropCsv(p.inbox, 'YBJ-late.csv', rows, 'gb18030');
      const done = path.join(p.inbox, 'done', 'YBJ-late.csv');
      const deadline = Date.now() + 30_000;
      while (!fs.existsSync(done) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      controller.abort();
      const [summary] = await running;
      expect(summary).toMatchObject({ published: 9, deadLettered: 0 });
      expect((await publishedEvents(p)).map((g) => g.event.eventId).sort()).toEqual(rows.map(expectedEvent).map((e) => e.eventId).sort());
    } finally {
      p.cleanup();
    }
  });

  it('reads the real YBJ.yaml GB18030 export; a refused row is dead-lettered with stage map, file, row and reason, and the rest go on', async () => {
    const p = await connectorPipeline(kafka, 'fd-ybj');
    try {
      const rows = sourceRows('D', 12);
      rows[4] = { ...rows[4], 受理渠道: '邮局' };
      dropCsv(p.inbox, 'YBJ-20250801.csv', rows, 'gb18030');
      // Declared GB18030, but UTF-8 bytes: read as GB18030 they would garble every name, so refused whole.
      dropCsv(p.inbox, 'YBJ-20250802.csv', sourceRows('E', 3), 'utf-8');

      const [summary] = await runOnce(p);
      expect(summary).toMatchObject({ published: 11, deadLettered: 2 });
      const got = await publishedEvents(p);
      expect(got.map((g) => g.event).sort((a, b) => (a.eventId < b.eventId ? -1 : 1))).toEqual(
        rows.filter((_, i) => i !== 4).map(expectedEvent).sort((a, b) => (a.eventId < b.eventId ? -1 : 1)),
      );

      const all = (await readTopic(kafka, p.topics.deadLetters)).map((r) => parseDeadLetter(r)!);
      expect(all).toHaveLength(2);
      // The undecodable file is one dead letter of its own, naming the file and the reason.
      const wholeFile = all.filter((d) => d.reason === 'SOURCE_FILE_UNREADABLE');
      expect(wholeFile).toHaveLength(1);
      expect(wholeFile[0]).toMatchObject({ stage: 'map', source: { topic: 'connector/YBJ', offset: 'YBJ-20250802.csv (whole file)' } });
      expect(wholeFile[0].message).toContain('declared gb18030 but its bytes are UTF-8');
      const dead = all.filter((d) => d.reason !== 'SOURCE_FILE_UNREADABLE');
      expect(dead[0]).toMatchObject({ stage: 'map', reason: 'MAP_UNKNOWN_VALUE', source: { topic: 'connector/YBJ', partition: -1, offset: 'YBJ-20250801.csv row 5' } });
      expect(dead[0].message).toContain('YBJ-20250801.csv row 5: channel: column "受理渠道" has "邮局"');
      const body = JSON.parse(dead[0].value!.toString('utf8'));
      expect(body.fields).toMatchObject({ 受理渠道: '邮局', 申请人姓名: '[personal: not shown]', 身份证号: '[personal: not shown]', 备注: '[not mapped: not shown]' });

      expect(fs.existsSync(path.join(p.inbox, 'done', 'YBJ-20250801.csv'))).toBe(true);
      expect(fs.existsSync(path.join(p.inbox, 'failed', 'YBJ-20250802.csv'))).toBe(true);
      expect(fs.readFileSync(path.join(p.inbox, 'failed', 'YBJ-20250802.csv.reason.txt'), 'utf8')).toMatch(/^SOURCE_FILE_UNREADABLE: the file is declared gb18030 but its bytes are UTF-8/);
    } finally {
      p.cleanup();
    }
  });
});
