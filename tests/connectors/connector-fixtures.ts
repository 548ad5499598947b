/**
 * Pieces for the connector integration tests: a department declared from the real
 * pipelines/departments/YBJ.yaml with its inbox in a temporary folder, source rows with planted
 * personal data written as CSV (UTF-8, UTF-8 with BOM, GB18030), XLSX and JSONL, the events those rows
 * must become, and reading a whole topic back as raw records.
 */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import type { Kafka } from 'kafkajs';
import type { CaseEvent } from '../../services/contract/case-event.js';
import { deriveEventId } from '../../services/contract/event-json.js';
import { emptyFigures, type WindowFigures } from '../../services/figures/window-figures.js';
import { CONNECTOR_STATE } from '../../services/connectors/connector-state.js';
import { hmacIdentifier } from '../../services/connectors/personal-data.js';
import { topicOffsets } from '../../services/platform/topics.js';
import { uniqueName } from '../fixtures/broker.js';
import { PROJECT_ROOT } from '../fixtures/test-broker-state.js';
import { testPipeline, type TestPipeline } from '../fixtures/pipeline.js';

export const HMAC_KEY = 'test-hmac-key-never-in-production';
export const HMAC_ENV = { CASEPIPE_YBJ_HMAC_KEY: HMAC_KEY };

export interface ConnectorPipeline extends TestPipeline {
  departmentsDir: string;
  inbox: string;
  connectorTopics: TestPipeline['topics'] & { connectorState: string };
}

/** Unique topics (case events, dead letters, connector state) and a departments folder with YBJ. */
export async function connectorPipeline(kafka: Kafka, name: string, source: { format?: string; encoding?: string; batchSize?: number } = {}): Promise<ConnectorPipeline> {
  const p = testPipeline(name);
  const departmentsDir = path.join(p.dataDir, 'departments');
  const inbox = path.join(p.dataDir, 'inbox', 'YBJ');
  fs.mkdirSync(departmentsDir, { recursive: true });
  fs.mkdirSync(inbox, { recursive: true });
  let yaml = fs.readFileSync(path.join(PROJECT_ROOT, 'pipelines', 'departments', 'YBJ.yaml'), 'utf8').replace(/inbox: .*/, `inbox: ${JSON.stringify(inbox)}`);
  yaml = source.format === undefined ? yaml : yaml.replace(/format: .*/, source.format === 'auto' ? '' : `format: ${source.format}`);
  yaml = source.encoding === undefined ? yaml : yaml.replace(/encoding: .*/, `encoding: ${source.encoding}`);
  if (source.batchSize !== undefined) yaml = yaml.replace(/(  type: file-drop\n)/, `$1  batchSize: ${source.batchSize}\n`);
  fs.writeFileSync(path.join(departmentsDir, 'YBJ.yaml'), yaml);
  const connectorTopics = { ...p.topics, connectorState: p.config.topicPrefix + CONNECTOR_STATE };
  const admin = kafka.admin();
  await admin.connect();
  try {
    // One call: a second createTopics with waitForLeaders on the same admin fails on kafkajs 2.2.4 with
    // "This server does not host this topic-partition".
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: p.topics.caseEvents, numPartitions: 12, replicationFactor: 1 },
        { topic: p.topics.deadLetters, numPartitions: 1, replicationFactor: 1 },
        { topic: connectorTopics.connectorState, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      ],
    });
    // On the shared, busy broker a new topic's leader can still be moving after createTopics returns.
    for (const topic of Object.values(connectorTopics)) await topicOffsets(admin, topic); // its leader answers
  } finally {
    await admin.disconnect();
  }
  return { ...p, departmentsDir, inbox, connectorTopics };
}

export const HEADER = ['流水号', '办件编号', '环节', '受理渠道', '送达方式', '发生时间', '实施编码', '办件类型', '申请人姓名', '身份证号', '联系电话', '联系地址', '备注'] as const;
export type SourceRow = Record<(typeof HEADER)[number], string>;

const SURNAMES = ['张', '王', '李', '赵', '刘', '陈', '杨', '黄', '周', '吴'];
const GIVEN = ['伟', '芳', '娜', '秀英', '敏', '静', '丽', '强', '磊', '洋', '艳', '勇', '军', '杰', '娟'];
const STREETS = ['人民南路四段', '天府大道北段', '蜀都大道', '红星路二段', '科华北路', '玉林中路'];
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/** A 身份证号 with a valid GB 11643 check character. */
export function idNumber(n: number): string {
  const body = `510107${1960 + (n % 40)}${String(1 + (n % 12)).padStart(2, '0')}${String(1 + (n % 28)).padStart(2, '0')}${String(n % 1000).padStart(3, '0')}`;
  const sum = [...body].reduce((s, c, i) => s + Number(c) * ID_WEIGHTS[i], 0);
  return body + '10X98765432'[sum % 11];
}

/** Rows of one export: milestones 受理, 办结, 送达 of cases, with personal data in every personal column. */
export function sourceRows(tag: string, count: number, firstRow = 0): SourceRow[] {
  const rows: SourceRow[] = [];
  for (let j = firstRow; j < firstRow + count; j++) {
    const step = (['受理', '办结', '送达'] as const)[j % 3];
    const day = 1 + (j % 28);
    const person = `${SURNAMES[j % SURNAMES.length]}${GIVEN[(j * 7) % GIVEN.length]}`;
    rows.push({
      流水号: `${tag}-${j}`,
      办件编号: `YB-${tag}-${Math.floor(j / 3)}`,
      环节: step,
      受理渠道: step === '受理' && j % 2 === 0 ? '综合窗口' : '网上办理',
      送达方式: step === '送达' ? (j % 2 === 0 ? '1' : '3') : '',
      发生时间: `2025-08-${String(day).padStart(2, '0')} ${String(j % 24).padStart(2, '0')}:${String(j % 60).padStart(2, '0')}:07`,
      实施编码: '511A0138000000-511602000000-000-115113010833722043-1-00',
      办件类型: j % 5 === 0 ? '即办件' : '承诺件',
      申请人姓名: person,
      身份证号: idNumber(j),
      联系电话: `138${String(10_000_000 + j * 7919).slice(-8)}`,
      联系地址: `四川省成都市武侯区${STREETS[j % STREETS.length]}${1 + (j % 200)}号`,
      备注: `申请人${person}电话${`139${String(20_000_000 + j).slice(-8)}`}`,
    });
  }
  return rows;
}

/** What YBJ.yaml makes of a row (computed here, not by the connector). */
export function expectedEvent(row: SourceRow): CaseEvent {
  const kind = ({ 受理: 'RECEIVED', 办结: 'COMPLETED', 送达: 'DELIVERED' } as const)[row.环节 as '受理' | '办结' | '送达'];
  const [date, time] = row.发生时间.split(' ');
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi, s] = time.split(':').map(Number);
  const sourceRecordId = `${row.流水号}|${row.环节}`;
  return {
    eventId: deriveEventId('ybj-jbxt', sourceRecordId, kind),
    kind,
    caseId: row.办件编号,
    departmentCode: 'YBJ',
    departmentName: '省医保局',
    itemCode: row.实施编码,
    channel: row.受理渠道 === '综合窗口' ? 'COMPREHENSIVE_WINDOW' : 'FULL_ONLINE',
    deliveryMethod: kind === 'DELIVERED' ? (row.送达方式 === '1' ? 'WINDOW_PICKUP' : 'MAIL') : null,
    // Beijing wall time, UTC+8.
    eventTime: Date.UTC(y, mo - 1, d, h, mi, s) - 8 * 3_600_000,
    sourceSystem: 'ybj-jbxt',
    sourceRecordId,
    attributes: { 办件类型: row.办件类型, 申请人标识: hmacIdentifier(HMAC_KEY, row.身份证号) },
  };
}

function csvText(rows: Record<string, string>[], header: readonly string[] = HEADER): string {
  const quote = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return [header.join(','), ...rows.map((r) => header.map((h) => quote(r[h] ?? '')).join(','))].join('\r\n') + '\r\n';
}

/** Writes a file the way a department does: elsewhere first, then renamed into the inbox. */
function drop(inbox: string, name: string, bytes: Buffer | Uint8Array): string {
  const tmp = path.join(inbox, `${name}.tmp`);
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, path.join(inbox, name));
  return path.join(inbox, name);
}

export function dropCsv(inbox: string, name: string, rows: Record<string, string>[], encoding: 'utf-8' | 'utf-8-bom' | 'gb18030', header?: readonly string[]): string {
  const text = csvText(rows, header);
  const bytes = encoding === 'gb18030' ? iconv.encode(text, 'gb18030') : Buffer.concat([encoding === 'utf-8-bom' ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(text, 'utf8')]);
  return drop(inbox, name, bytes);
}

export function dropJsonl(inbox: string, name: string, rows: Record<string, string>[]): string {
  return drop(inbox, name, Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n') + '\n', 'utf8'));
}

/** XLSX with 发生时间 as real date cells (the wall time, as Excel stores it). */
export async function dropXlsx(inbox: string, name: string, rows: SourceRow[]): Promise<string> {
  const wb = new ExcelJS.Workbook();
  const sheet = wb.addWorksheet('办件明细');
  sheet.addRow([...HEADER]);
  for (const r of rows) {
    const [date, time] = r.发生时间.split(' ');
    const [y, mo, d] = date.split('-').map(Number);
    const [h, mi, s] = time.split(':').map(Number);
    sheet.addRow(HEADER.map((k) => (k === '发生时间' ? new Date(Date.UTC(y, mo - 1, d, h, mi, s)) : r[k])));
  }
  return drop(inbox, name, Buffer.from(await wb.xlsx.writeBuffer()));
}

export interface RawRecord {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Every record of a topic up to its current end. */
export async function readTopic(kafka: Kafka, topic: string): Promise<RawRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: { partition: number; low: string; high: string }[];
  try {
    ends = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const remaining = new Map(ends.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]));
  const out: RawRecord[] = [];
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({ groupId: uniqueName('read-topic') });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              if (BigInt(m.offset) >= (remaining.get(batch.partition) ?? 0n)) continue;
              const headers: Record<string, string> = {};
              for (const [k, v] of Object.entries(m.headers ?? {})) if (v !== undefined) headers[k] = Array.isArray(v) ? v.map(String).join(',') : v.toString();
              out.push({ partition: batch.partition, offset: m.offset, key: m.key, value: m.value, headers });
            }
            if (BigInt(batch.lastOffset()) + 1n >= (remaining.get(batch.partition) ?? 0n)) remaining.delete(batch.partition);
            if (remaining.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/** The window figures the events must give (each row is its own milestone: no duplicates among them). */
export function expectedTotals(events: CaseEvent[]): WindowFigures {
  const f = emptyFigures();
  for (const e of events) {
    if (e.kind === 'RECEIVED' && e.channel === 'FULL_ONLINE') f.fullOnlineReceived++;
    if (e.kind === 'RECEIVED' && e.channel === 'COMPREHENSIVE_WINDOW') f.windowReceived++;
    if (e.kind === 'COMPLETED' && e.channel === 'FULL_ONLINE') f.fullOnlineCompleted++;
    if (e.kind === 'DELIVERED' && e.deliveryMethod === 'WINDOW_PICKUP') f.windowDelivered++;
    if (e.kind === 'DELIVERED' && e.deliveryMethod === 'MAIL') f.mailed++;
  }
  f.totalHandled = f.fullOnlineReceived + f.windowReceived;
  return f;
}
