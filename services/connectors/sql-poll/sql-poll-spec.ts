import { z } from 'zod';
import { secretRefSpec } from '../secrets.js';

/** Table and column names: letters (CJK too), digits, `_` and `$`; quoted anyway, never values. */
export const IDENTIFIER_RE = /^[\p{L}_][\p{L}\p{N}_$]{0,62}$/u;
const identifier = (what: string) => z.string().regex(IDENTIFIER_RE, `${what}: letters, digits, _ and $ only, starting with a letter or _ (at most 63)`);

export const SQL_DRIVERS = ['postgres', 'mysql'] as const;
export type SqlDriver = (typeof SQL_DRIVERS)[number];

/** The driver a URL's scheme names. */
export function driverOfUrl(url: string): SqlDriver | undefined {
  const scheme = /^([a-z0-9+]+):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return 'postgres';
  if (scheme === 'mysql' || scheme === 'mariadb') return 'mysql';
  return undefined;
}

/** A URL written in a department file: must not hold a password (that belongs in a secret). */
const inlineUrl = z
  .string()
  .min(1)
  .superRefine((url, ctx) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not a URL such as postgres://user@host:5432/db' });
      return;
    }
    if (!driverOfUrl(url)) ctx.addIssue({ code: 'custom', message: `scheme ${parsed.protocol} is not postgres://, postgresql://, mysql:// or mariadb://` });
    if (parsed.password) ctx.addIssue({ code: 'custom', message: 'a password in the url is refused: put it in a secret (password: { env: NAME }) or the whole url in one (url: { env: NAME })' });
  });

export const sqlPollSpec = z
  .object({
    type: z.literal('sql-poll'),
    driver: z
      .enum(SQL_DRIVERS)
      .optional()
      .describe('postgres (pg) or mysql (mysql2; MariaDB too); default: from the url scheme. Required when the url comes from a secret'),
    url: z
      .union([inlineUrl, secretRefSpec])
      .optional()
      .describe('connection URL, written here only without a password (postgres://casepipe@10.1.2.3:5432/qzk), or the whole URL from a secret ({ env: NAME } / { file: PATH }). host/port/database/user below override its parts')
      .meta({ examples: ['postgres://casepipe_reader@10.20.30.40:5432/scjg_qzk', { env: 'CASEPIPE_SCJGJ_DB_URL' }] }),
    host: z.string().min(1).optional().describe('database host (default: from url, else 127.0.0.1)').meta({ examples: ['10.20.30.40'] }),
    port: z.number().int().min(1).max(65535).optional().describe('database port (default: from url, else 5432 / 3306)'),
    database: z.string().min(1).optional().describe('database name (default: from url)').meta({ examples: ['scjg_qzk'] }),
    user: z.union([z.string().min(1), secretRefSpec]).optional().describe('user name, written here or from a secret; give it read access to the table only').meta({ examples: ['casepipe_reader'] }),
    password: secretRefSpec.optional().describe('the password, from a secret; never written here').meta({ examples: [{ env: 'CASEPIPE_SCJGJ_DB_PASSWORD' }] }),
    ssl: z.boolean().default(false).describe('connect with TLS (server certificate verified against the system CAs)'),
    schema: identifier('schema').optional().describe('schema (postgres; default public) or database (mysql; default the connection\'s)').meta({ examples: ['qzk'] }),
    table: identifier('table').describe('the 前置库 table the department system writes its milestones into').meta({ examples: ['bj_blxx'] }),
    columns: z
      .array(identifier('column'))
      .min(1)
      .optional()
      .describe('columns to read (plus updatedAt and id); default: every column. Naming them keeps personal columns out of the process entirely')
      .meta({ examples: [['id', 'bjbh', 'hj', 'qd', 'sdfs', 'fssj', 'ssbm', 'updated_at']] }),
    updatedAt: identifier('updatedAt')
      .default('updated_at')
      .describe('the watermark column: when the row was last written (timestamp/timestamptz, DATETIME/TIMESTAMP). Rows are read in (updatedAt, id) order after the checkpoint'),
    id: identifier('id').default('id').describe('a column unique per row (the tie-break among rows sharing an updatedAt; also the record id when the mapping names no recordId)'),
    timeZone: z
      .string()
      .default('Asia/Shanghai')
      .describe('IANA zone of the table\'s naive timestamps (timestamp without time zone, DATETIME): used for the safety-lag bound on updatedAt; keep it equal to mapping.eventTime.timeZone'),
    safetyLagSeconds: z
      .number()
      .min(0)
      .max(86_400)
      .default(30)
      .describe('read only rows with updatedAt <= the database clock minus this: a row whose updatedAt was set before a slow transaction committed is still read, as long as the transaction took less than this'),
    lookBackSeconds: z
      .number()
      .min(0)
      .max(7 * 86_400)
      .default(0)
      .describe('also re-read, at every poll, the rows with updatedAt up to this long before the checkpoint (for writers that commit later than the safety lag). Harmless: event ids derive from the row, so re-read rows are duplicates the worker drops; it costs re-sent events'),
    pageSize: z.number().int().min(1).max(50_000).default(1000).describe('rows per query, published together, then checkpointed'),
    pollSeconds: z.number().positive().default(30).describe('how often the table is polled once caught up'),
    statementTimeoutSeconds: z.number().positive().max(3600).default(30).describe('a query running longer is cancelled by the server (postgres statement_timeout, MariaDB max_statement_time, MySQL max_execution_time) and retried'),
    connectTimeoutSeconds: z.number().positive().max(300).default(10).describe('giving up on connecting after this long (then retried)'),
    scratchUrl: z
      .union([inlineUrl, secretRefSpec])
      .optional()
      .describe('only for `casepipe connector test`: a server where a throwaway database is made for the sample (postgres: default an embedded PGlite; mysql: required)')
      .meta({ examples: ['postgres://postgres@127.0.0.1:5432/postgres', 'mysql://root@127.0.0.1:3306/test'] }),
  })
  .strict()
  .superRefine((s, ctx) => {
    const fromUrl = typeof s.url === 'string' ? driverOfUrl(s.url) : undefined;
    if (!s.driver && !fromUrl) ctx.addIssue({ code: 'custom', path: ['driver'], message: 'driver is required (postgres or mysql) unless an inline url names it' });
    if (s.driver && fromUrl && s.driver !== fromUrl) ctx.addIssue({ code: 'custom', path: ['driver'], message: `driver ${s.driver} differs from the url scheme (${fromUrl})` });
    if (!s.url && !s.database) ctx.addIssue({ code: 'custom', path: ['database'], message: 'database is required unless a url names it' });
    if (s.updatedAt === s.id) ctx.addIssue({ code: 'custom', path: ['id'], message: 'id must differ from updatedAt' });
    try {
      new Intl.DateTimeFormat('en', { timeZone: s.timeZone });
    } catch {
      ctx.addIssue({ code: 'custom', path: ['timeZone'], message: `${s.timeZone} is not an IANA time zone` });
    }
  })
  .describe('sql-poll: a 前置库 table in PostgreSQL or MySQL/MariaDB, polled in (updatedAt, id) order after a checkpoint, up to the database clock minus a safety lag');
export type SqlPollSettings = z.infer<typeof sqlPollSpec>;
