/**
 * One small connection pool (at most 2 connections) to a PostgreSQL (pg) or MySQL/MariaDB (mysql2)
 * server, with what sql-poll needs from either: quoting identifiers, parameterised queries whose
 * timestamp values come back as the server's own text (never a JS Date built in this process's zone),
 * a statement timeout on the server plus a client-side backstop, and errors sorted into those a retry
 * can help (connection refused/reset/lost, timeouts, deadlocks) and those it cannot (auth, syntax,
 * permission, a missing table or column). Messages name the server as user@host:port/db, never a password.
 */
import type mysql from 'mysql2/promise';
import type pg from 'pg';
import { lazyRequire } from '../../platform/lazy-require.js';
import { CasepipeError } from '../../platform/errors.js';
import type { SourceValue } from '../connector.js';
import { readSecret } from '../secrets.js';
import { driverOfUrl, type SqlDriver, type SqlPollSettings } from './sql-poll-spec.js';

// Loaded by the first client of each driver (services/platform/lazy-require.ts).
const pgModule = lazyRequire<typeof pg>('pg');
const mysqlModule = lazyRequire<typeof mysql>('mysql2/promise');

export interface Connection {
  driver: SqlDriver;
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  ssl: boolean;
}

/** Resolves the settings (and their secrets) into one connection; throws SECRET_MISSING / DEPARTMENT_FILE_INVALID. */
export function resolveConnection(s: Pick<SqlPollSettings, 'driver' | 'url' | 'host' | 'port' | 'database' | 'user' | 'password' | 'ssl'>, env: NodeJS.ProcessEnv = process.env): Connection {
  const urlText = s.url === undefined ? undefined : typeof s.url === 'string' ? s.url : readSecret(s.url, env);
  let url: URL | undefined;
  if (urlText !== undefined) {
    try {
      url = new URL(urlText);
    } catch {
      throw new CasepipeError('DEPARTMENT_FILE_INVALID', 'the database url (from its secret) is not a URL');
    }
  }
  const driver = s.driver ?? (urlText ? driverOfUrl(urlText) : undefined);
  if (!driver) throw new CasepipeError('DEPARTMENT_FILE_INVALID', 'no driver: name one (postgres or mysql) or use a postgres:// or mysql:// url');
  const user = s.user === undefined ? (url?.username ? decodeURIComponent(url.username) : driver === 'postgres' ? 'postgres' : 'root') : typeof s.user === 'string' ? s.user : readSecret(s.user, env);
  const password = s.password ? readSecret(s.password, env) : url?.password ? decodeURIComponent(url.password) : undefined;
  const database = s.database ?? (url ? decodeURIComponent(url.pathname.replace(/^\//, '')) : '');
  if (!database) throw new CasepipeError('DEPARTMENT_FILE_INVALID', 'no database named (database: or the url path)');
  return {
    driver,
    host: s.host ?? (url?.hostname || '127.0.0.1'),
    port: s.port ?? (url?.port ? Number(url.port) : driver === 'postgres' ? 5432 : 3306),
    database,
    user,
    password,
    ssl: s.ssl ?? false,
  };
}

/** user@host:port/database, for messages and logs. */
export function describeConnection(c: Connection): string {
  return `${c.driver} ${c.user}@${c.host}:${c.port}/${c.database}`;
}

/** A row as read: its fields as source values, and what could not be read (binary columns). */
export interface ReadRow {
  fields: Record<string, SourceValue>;
  /** Raw text of every column as the server printed it (the watermark is stored in this form). */
  raw: Record<string, unknown>;
  problem?: string;
}

export interface ColumnInfo {
  name: string;
  /** information_schema data_type, lower case. */
  type: string;
}

export interface Timeouts {
  statementMs: number;
  connectMs: number;
}

export interface SqlClient {
  readonly connection: Connection;
  quote(identifier: string): string;
  /** `$1` for postgres, `?` for mysql. */
  param(n: number): string;
  /** The table's columns, or null when the table is not there. */
  columns(schema: string | undefined, table: string): Promise<ColumnInfo[] | null>;
  /** The server's clock (epoch ms): the safety lag is measured on it, never on this machine's. */
  nowMs(): Promise<number>;
  select(sql: string, params: unknown[]): Promise<ReadRow[]>;
  /** Statements without rows (the sample table). */
  run(sql: string, params?: unknown[]): Promise<void>;
  close(): Promise<void>;
}

export function sqlClient(c: Connection, timeouts: Timeouts): SqlClient {
  return c.driver === 'postgres' ? new PostgresClient(c, timeouts) : new MysqlClient(c, timeouts);
}

// ---------------------------------------------------------------- PostgreSQL

const PG_TIMESTAMP = 1114;
const PG_TIMESTAMPTZ = 1184;
const PG_DATE = 1082;
const PG_INT8 = 20;
const RAW_TEXT = (text: string) => text;
/** bigint as a number while exact (as mysql2's supportBigNumbers gives it), else its text. */
const INT8 = (text: string) => (Number.isSafeInteger(Number(text)) ? Number(text) : text);
/** Per-pool type parsers: date/time types stay the server's text (pg would build a Date in this process's zone). */
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === PG_TIMESTAMP || oid === PG_TIMESTAMPTZ || oid === PG_DATE ? RAW_TEXT : oid === PG_INT8 ? INT8 : pgModule().types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

class PostgresClient implements SqlClient {
  private readonly pool: pg.Pool;
  private readonly ready = new WeakSet<pg.PoolClient>();

  constructor(
    readonly connection: Connection,
    private readonly timeouts: Timeouts,
  ) {
    this.pool = new (pgModule().Pool)({
      host: connection.host,
      port: connection.port,
      database: connection.database,
      user: connection.user,
      password: connection.password,
      ssl: connection.ssl ? { rejectUnauthorized: true } : undefined,
      max: 2,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: timeouts.connectMs,
      // Backstop for servers that cannot cancel (an embedded PGlite has no statement_timeout).
      query_timeout: timeouts.statementMs + 5_000,
      types: pgTypes,
      application_name: 'casepipe-sql-poll',
    });
    this.pool.on('error', () => undefined); // an idle connection dropped: the next query reconnects
  }

  quote(identifier: string): string {
    return `"${identifier.replace(/"/g, '""')}"`;
  }

  param(n: number): string {
    return `$${n}`;
  }

  async columns(schema: string | undefined, table: string): Promise<ColumnInfo[] | null> {
    const rows = await this.query(
      'SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position',
      [schema ?? 'public', table],
    );
    return rows.rows.length === 0 ? null : rows.rows.map((r) => ({ name: String(r.name), type: String(r.type).toLowerCase() }));
  }

  async nowMs(): Promise<number> {
    const r = await this.query('SELECT (extract(epoch FROM now()) * 1000)::float8 AS ms', []);
    return Number(r.rows[0].ms);
  }

  async select(sql: string, params: unknown[]): Promise<ReadRow[]> {
    const r = await this.query(sql, params);
    const tz = new Set(r.fields.filter((f) => f.dataTypeID === PG_TIMESTAMPTZ).map((f) => f.name));
    return r.rows.map((row) => readRow(row, (name, v) => (tz.has(name) && typeof v === 'string' ? pgIso(v) : v)));
  }

  async run(sql: string, params: unknown[] = []): Promise<void> {
    await this.query(sql, params);
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }

  private async query(sql: string, params: unknown[]): Promise<pg.QueryResult> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw sqlError(this.connection, err, 'connect');
    }
    let broken: unknown;
    try {
      if (!this.ready.has(client)) {
        await client.query(`SET statement_timeout = ${Math.round(this.timeouts.statementMs)}`);
        this.ready.add(client);
      }
      return await client.query({ text: sql, values: params });
    } catch (err) {
      broken = isPgServerError(err) ? undefined : err; // a client-side failure may leave the connection unusable
      throw sqlError(this.connection, err, 'query');
    } finally {
      client.release(broken instanceof Error ? broken : undefined);
    }
  }
}

function isPgServerError(err: unknown): boolean {
  return typeof (err as { code?: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((err as { code: string }).code);
}

/** `2025-08-01 09:30:00.5+08` → `2025-08-01T09:30:00.5+08:00` (parsed by mapping format `iso`). */
export function pgIso(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?)([+-]\d{2})(?::?(\d{2}))?(?::\d{2})?$/.exec(text);
  if (!m) return text; // infinity, BC dates: the mapping refuses them with the value named
  const offset = m[3] === '+00' && !m[4] ? 'Z' : `${m[3]}:${m[4] ?? '00'}`;
  return `${m[1]}T${m[2]}${offset}`;
}

// ---------------------------------------------------------------- MySQL / MariaDB

const MYSQL_TIMESTAMP = 7;

class MysqlClient implements SqlClient {
  private readonly pool: mysql.Pool;
  private readonly ready = new WeakSet<object>();

  constructor(
    readonly connection: Connection,
    private readonly timeouts: Timeouts,
  ) {
    this.pool = mysqlModule().createPool({
      host: connection.host,
      port: connection.port,
      database: connection.database,
      user: connection.user,
      password: connection.password,
      ssl: connection.ssl ? { rejectUnauthorized: true } : undefined,
      connectionLimit: 2,
      maxIdle: 2,
      idleTimeout: 30_000,
      connectTimeout: timeouts.connectMs,
      // DATETIME/TIMESTAMP/DATE as the server's text; TIMESTAMP in the session zone, set to UTC below.
      dateStrings: true,
      supportBigNumbers: true,
      charset: 'utf8mb4',
    });
  }

  quote(identifier: string): string {
    return `\`${identifier.replace(/`/g, '``')}\``;
  }

  param(): string {
    return '?';
  }

  async columns(schema: string | undefined, table: string): Promise<ColumnInfo[] | null> {
    const [rows] = await this.query(
      'SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ? ORDER BY ordinal_position',
      [schema ?? null, table],
    );
    const list = rows as Array<{ name: string; type: string }>;
    return list.length === 0 ? null : list.map((r) => ({ name: String(r.name), type: String(r.type).toLowerCase() }));
  }

  async nowMs(): Promise<number> {
    const [rows] = await this.query('SELECT UNIX_TIMESTAMP(NOW(6)) * 1000 AS ms', []);
    return Number((rows as Array<{ ms: unknown }>)[0].ms);
  }

  async select(sql: string, params: unknown[]): Promise<ReadRow[]> {
    const [rows, fields] = await this.query(sql, params);
    const tz = new Set((fields ?? []).filter((f) => f.columnType === MYSQL_TIMESTAMP).map((f) => f.name));
    // TIMESTAMP columns print in the session zone, which is UTC here.
    return (rows as Array<Record<string, unknown>>).map((row) => readRow(row, (name, v) => (tz.has(name) && typeof v === 'string' ? `${v.replace(' ', 'T')}Z` : v)));
  }

  async run(sql: string, params: unknown[] = []): Promise<void> {
    await this.query(sql, params);
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }

  private async query(sql: string, params: unknown[]): Promise<[unknown, mysql.FieldPacket[] | undefined]> {
    let conn: mysql.PoolConnection;
    try {
      conn = await this.pool.getConnection();
    } catch (err) {
      throw sqlError(this.connection, err, 'connect');
    }
    let destroy = false;
    try {
      const raw = (conn as unknown as { connection: object }).connection;
      if (!this.ready.has(raw)) {
        const [v] = await conn.query('SELECT VERSION() AS v');
        const mariadb = /mariadb/i.test(String((v as Array<{ v: string }>)[0].v));
        const seconds = this.timeouts.statementMs / 1000;
        // MariaDB: max_statement_time (seconds, any statement); MySQL: max_execution_time (ms, SELECT).
        await conn.query(`SET time_zone = '+00:00', SESSION ${mariadb ? `max_statement_time = ${seconds}` : `max_execution_time = ${Math.round(seconds * 1000)}`}`);
        this.ready.add(raw);
      }
      // execute: a server-side prepared statement, the values sent apart from the SQL text.
      const [rows, fields] = params.length > 0 ? await conn.execute({ sql, values: params, timeout: this.timeouts.statementMs + 5_000 }) : await conn.query({ sql, timeout: this.timeouts.statementMs + 5_000 });
      return [rows, fields as mysql.FieldPacket[] | undefined];
    } catch (err) {
      destroy = (err as { fatal?: boolean }).fatal === true || (err as { code?: string }).code === 'PROTOCOL_SEQUENCE_TIMEOUT';
      throw sqlError(this.connection, err, 'query');
    } finally {
      if (destroy) conn.destroy();
      else conn.release();
    }
  }
}

// ---------------------------------------------------------------- rows and errors

function readRow(row: Record<string, unknown>, convert: (name: string, v: unknown) => unknown): ReadRow {
  const fields: Record<string, SourceValue> = {};
  let problem: string | undefined;
  for (const [name, value] of Object.entries(row)) {
    const v = convert(name, value);
    if (v === null || v === undefined) fields[name] = null;
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') fields[name] = v;
    else if (typeof v === 'bigint') fields[name] = v.toString();
    else if (v instanceof Date) fields[name] = v;
    else if (Buffer.isBuffer(v)) {
      fields[name] = null;
      problem ??= `column ${JSON.stringify(name)} holds binary data; leave it out (columns: in the department file)`;
    } else fields[name] = JSON.stringify(v); // json / arrays
  }
  return { fields, raw: row, problem };
}

// Errors a retry can help: the network, the server restarting or overloaded, timeouts, lock conflicts.
const TRANSIENT_NODE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);
const TRANSIENT_PG = /^(08|53|57P0[1-4]|57014|40001|40P01|55P03|58)/; // connection, resources, shutdown, cancel (timeout), serialization, deadlock, lock
const TRANSIENT_MYSQL = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_QUERY_TIMEOUT',
  'ER_STATEMENT_TIMEOUT',
  'ER_QUERY_INTERRUPTED',
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
]);
const MYSQL_TIMEOUT_ERRNO = new Set([1969 /* MariaDB max_statement_time */, 3024 /* MySQL max_execution_time */]);
const AUTH_PG = /^28/;
const AUTH_MYSQL = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_NOT_SUPPORTED_AUTH_MODE', 'ER_BAD_DB_ERROR']);

export type SqlErrorKind = 'unreachable' | 'auth' | 'timeout' | 'transient' | 'other';

export function sqlErrorKind(err: unknown): SqlErrorKind {
  const e = err as { code?: string; errno?: number; message?: string };
  const code = e.code ?? '';
  const message = e.message ?? '';
  if (AUTH_PG.test(code) || code === '3D000' || AUTH_MYSQL.has(code)) return 'auth';
  if (code === '57014' || MYSQL_TIMEOUT_ERRNO.has(e.errno ?? 0) || code === 'PROTOCOL_SEQUENCE_TIMEOUT' || /query read timeout|statement timeout|max_statement_time|max_execution_time/i.test(message)) return 'timeout';
  if (TRANSIENT_NODE.has(code) || code === 'ENOTFOUND' || /timeout expired|connection terminated|connect ETIMEDOUT/i.test(message)) return 'unreachable';
  if (TRANSIENT_PG.test(code) || TRANSIENT_MYSQL.has(code)) return 'transient';
  return 'other';
}

/** A driver error as a CasepipeError naming the server (never its password) and whether a retry can help. */
export function sqlError(c: Connection, err: unknown, during: 'connect' | 'query'): CasepipeError {
  const kind = sqlErrorKind(err);
  const where = describeConnection(c);
  const raw = redact((err as Error).message ?? String(err), c);
  const message =
    kind === 'unreachable'
      ? `cannot reach ${where}: ${raw}`
      : kind === 'auth'
        ? `${where} refused the login: ${raw}`
        : kind === 'timeout'
          ? `${where}: the ${during === 'connect' ? 'connection' : 'query'} timed out: ${raw}`
          : `${where}: ${raw}`;
  // An unknown host (ENOTFOUND) is configuration, not weather.
  const canRetry = (kind === 'unreachable' && (err as { code?: string }).code !== 'ENOTFOUND') || kind === 'timeout' || kind === 'transient';
  return new CasepipeError('SOURCE_UNAVAILABLE', message, { cause: err, canRetry });
}

function redact(text: string, c: Connection): string {
  let out = text.replace(/\/\/([^:/@\s]+):[^@/\s]*@/g, '//$1:[redacted]@');
  if (c.password) out = out.split(c.password).join('[redacted]');
  return out;
}
