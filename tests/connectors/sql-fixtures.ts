/**
 * Pieces for the sql-poll tests: a database of its own on the machine's real PostgreSQL or MariaDB
 * (CASEPIPE_TEST_POSTGRES_URL / CASEPIPE_TEST_MYSQL_URL, default the local servers), dropped at the
 * end; a 前置库 table shaped like the one of pipelines/departments/SCJGJ.yaml; rows of it; the
 * events SCJGJ.yaml must make of them; and the SCJGJ department pointed at the scratch database.
 * A server that is not there fails the test with a message naming it.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import YAML from 'yaml';
import type { CaseEvent } from '../../services/contract/case-event.js';
import { deriveEventId } from '../../services/contract/event-json.js';
import { loadDepartmentFile, type Department } from '../../services/departments/department-file.js';
import { PROJECT_ROOT } from '../fixtures/test-broker-state.js';

export type Driver = 'postgres' | 'mysql';
export const SERVER_URL: Record<Driver, string> = {
  postgres: process.env.CASEPIPE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  mysql: process.env.CASEPIPE_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test',
};

/** A connection to a scratch database: plain SQL with parameters, rows back as objects. */
export interface ScratchDb {
  driver: Driver;
  /** URL of the scratch database (no password: the test servers trust local connections). */
  url: string;
  name: string;
  sql(text: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** A second connection (to hold a transaction open). */
  other(): Promise<{ sql: ScratchDb['sql']; end(): Promise<void> }>;
  drop(): Promise<void>;
}

async function connect(driver: Driver, url: string): Promise<{ sql: ScratchDb['sql']; end(): Promise<void> }> {
  const where = `${driver === 'postgres' ? 'PostgreSQL' : 'MariaDB/MySQL'} at ${new URL(url).host}`;
  try {
    if (driver === 'postgres') {
      const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
      await c.connect();
      return { sql: async (t, p = []) => (await c.query(t, p)).rows, end: () => c.end() };
    }
    const c = await mysql.createConnection({ uri: url, connectTimeout: 10_000, dateStrings: true });
    return { sql: async (t, p = []) => (await c.query(t, p))[0] as Record<string, unknown>[], end: () => c.end() };
  } catch (err) {
    throw new Error(`${where} is needed by this test and cannot be reached: ${(err as Error).message} (set CASEPIPE_TEST_${driver === 'postgres' ? 'POSTGRES' : 'MYSQL'}_URL)`);
  }
}

export async function scratchDb(driver: Driver, tag: string): Promise<ScratchDb> {
  const name = `casepipe_t_${tag}_${randomBytes(4).toString('hex')}`;
  const admin = await connect(driver, SERVER_URL[driver]);
  await admin.sql(`CREATE DATABASE ${name}`).finally(() => admin.end());
  const u = new URL(SERVER_URL[driver]);
  u.pathname = `/${name}`;
  const url = u.toString();
  const main = await connect(driver, url);
  return {
    driver,
    url,
    name,
    sql: main.sql,
    other: () => connect(driver, url),
    async drop() {
      await main.end().catch(() => undefined);
      const again = await connect(driver, SERVER_URL[driver]);
      await again.sql(`DROP DATABASE IF EXISTS ${name}${driver === 'postgres' ? ' WITH (FORCE)' : ''}`).finally(() => again.end());
    },
  };
}

/** The SCJGJ 前置库 table (qzk.sj_bjxx on postgres; sj_bjxx in the scratch database on MariaDB). */
export async function createBjxx(db: ScratchDb): Promise<string> {
  const pgsql = db.driver === 'postgres';
  const table = pgsql ? 'qzk.sj_bjxx' : 'sj_bjxx';
  if (pgsql) await db.sql('CREATE SCHEMA qzk');
  const ts = pgsql ? 'timestamp(6) without time zone' : 'DATETIME(6)';
  await db.sql(
    `CREATE TABLE ${table} (id bigint NOT NULL PRIMARY KEY, bjbh varchar(40) NOT NULL, hj varchar(8) NOT NULL, slqd varchar(16), sdfs varchar(16),
      fssj ${pgsql ? 'timestamp(0) without time zone' : 'DATETIME'} NOT NULL, ssbm varchar(80), bjlx varchar(16), sqrxm varchar(32), zjhm varchar(18), lxdh varchar(20),
      updated_at ${ts} NOT NULL)`,
  );
  await db.sql(`CREATE INDEX sj_bjxx_watermark ON ${table} (updated_at, id)`);
  return table;
}

export interface BjxxRow {
  id: number;
  bjbh: string;
  hj: '受理' | '办结' | '送达';
  slqd: string;
  sdfs: string | null;
  fssj: string;
  updated_at: string;
}

/** Rows with ids first..first+count-1; updatedAt(i) gives each row's updated_at. */
export function bjxxRows(first: number, count: number, updatedAt: (i: number) => string): BjxxRow[] {
  return Array.from({ length: count }, (_, k) => {
    const i = first + k;
    const hj = (['受理', '办结', '送达'] as const)[i % 3];
    return {
      id: i,
      bjbh: `SCJG-T-${Math.floor(i / 3)}`,
      hj,
      slqd: hj === '受理' && i % 2 === 0 ? '综合窗口' : '网上办理',
      sdfs: hj === '送达' ? (i % 2 === 0 ? '窗口领取' : '邮寄') : null,
      fssj: `2025-08-${String(1 + (i % 28)).padStart(2, '0')} ${String(i % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00`,
      updated_at: updatedAt(i),
    };
  });
}

export async function insertBjxx(db: { sql: ScratchDb['sql'] }, driver: Driver, table: string, rows: BjxxRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    const chunk = rows.slice(i, i + 500);
    const params: unknown[] = [];
    const p = () => (driver === 'postgres' ? `$${params.length}` : '?');
    const tuples = chunk.map((r) => {
      const values = [r.id, r.bjbh, r.hj, r.slqd, r.sdfs, r.fssj, '11510000MB1545567B-511A0100100001-000-1-00', '承诺件', '张伟', '510107198001101003', '13900001000', r.updated_at];
      return `(${values.map((v) => (params.push(v), p())).join(', ')})`;
    });
    await db.sql(`INSERT INTO ${table} (id, bjbh, hj, slqd, sdfs, fssj, ssbm, bjlx, sqrxm, zjhm, lxdh, updated_at) VALUES ${tuples.join(', ')}`, params);
  }
}

/** What SCJGJ.yaml makes of a row (computed here, not by the connector). */
export function expectedBjxxEvent(r: BjxxRow): CaseEvent {
  const kind = ({ 受理: 'RECEIVED', 办结: 'COMPLETED', 送达: 'DELIVERED' } as const)[r.hj];
  const [date, time] = r.fssj.split(' ');
  const [y, mo, d] = date.split('-').map(Number);
  const [h, mi, s] = time.split(':').map(Number);
  return {
    eventId: deriveEventId('scjg-djzc', String(r.id), kind),
    kind,
    caseId: r.bjbh,
    departmentCode: 'SCJGJ',
    departmentName: '省市场监管局',
    itemCode: '11510000MB1545567B-511A0100100001-000-1-00',
    channel: r.slqd === '综合窗口' ? 'COMPREHENSIVE_WINDOW' : 'FULL_ONLINE',
    deliveryMethod: kind === 'DELIVERED' ? (r.sdfs === '窗口领取' ? 'WINDOW_PICKUP' : 'MAIL') : null,
    eventTime: Date.UTC(y, mo - 1, d, h, mi, s) - 8 * 3_600_000, // Beijing wall time
    sourceSystem: 'scjg-djzc',
    sourceRecordId: String(r.id),
    attributes: { 办件类型: '承诺件' },
  };
}

/** The real SCJGJ.yaml with its source moved to the scratch database (other settings overridden by `source`). */
export function scjgjDepartment(db: ScratchDb, dir: string, source: Record<string, unknown> = {}): Department {
  const doc = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'pipelines', 'departments', 'SCJGJ.yaml'), 'utf8'));
  const s = doc.source;
  for (const k of ['host', 'port', 'database', 'user', 'password', 'driver']) delete s[k];
  s.url = db.url;
  if (db.driver === 'mysql') delete s.schema;
  Object.assign(s, { safetyLagSeconds: 0, ...source });
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'SCJGJ.yaml');
  fs.writeFileSync(file, YAML.stringify(doc));
  return loadDepartmentFile(file);
}
