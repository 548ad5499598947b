/**
 * The sql-poll connector against the machine's real PostgreSQL and MariaDB, without the broker: a
 * row committed late with an older updated_at is read when its transaction took less than the safety
 * lag (and missed without the lag: the test can fail); instants (timestamptz / TIMESTAMP) come as
 * ISO-8601 with their offset; check() names an unreachable server, a refused password, a missing
 * table and missing mapped columns; a statement running longer than the timeout is cancelled.
 */
import { sqlPoll } from '../../services/connectors/sql-poll/sql-poll.js';
import { sqlPollSpec, type SqlPollSettings } from '../../services/connectors/sql-poll/sql-poll-spec.js';
import type { Checkpoint, SourceBatch } from '../../services/connectors/connector.js';
import { silentLogger } from '../../services/platform/logger.js';
import { bjxxRows, createBjxx, insertBjxx, scratchDb, SERVER_URL, type Driver, type ScratchDb } from './sql-fixtures.js';

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mappedColumns } from '../../services/connectors/record-mapping.js';
import { loadDepartmentFile } from '../../services/departments/department-file.js';
import { PROJECT_ROOT } from '../fixtures/test-broker-state.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function connector(db: ScratchDb | { driver: Driver; url: string }, source: Record<string, unknown>, mapped: string[] = []) {
  const settings = sqlPollSpec.parse({ type: 'sql-poll', url: db.url, table: 'sj_bjxx', ...(db.driver === 'postgres' ? { schema: 'qzk' } : {}), connectTimeoutSeconds: 5, ...source }) as SqlPollSettings;
  return sqlPoll.create(settings, { department: 'SCJGJ', logger: silentLogger(), request: (_what, fn) => fn(), mappedColumns: new Set(mapped) });
}

/** Reads with an in-memory checkpoint store, as the runtime would store them. */
async function readAll(c: ReturnType<typeof connector>, store: Map<string, Checkpoint>): Promise<SourceBatch[]> {
  const out: SourceBatch[] = [];
  for await (const b of c.read({ get: (s) => store.get(s) }, new AbortController().signal)) {
    out.push(b);
    store.set(b.stream, b.checkpoint);
  }
  return out;
}
const ids = (batches: SourceBatch[]) => batches.flatMap((b) => b.records.map((r) => Number(r.fields!.id)));

describe.each<Driver>(['postgres', 'mysql'])('sql-poll source on %s', (driver) => {
  let db: ScratchDb;
  let table: string;
  beforeAll(async () => {
    db = await scratchDb(driver, driver === 'postgres' ? 'pgsrc' : 'mysrc');
    table = await createBjxx(db);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('reads a row committed late with an older updated_at when it is inside the safety lag, and misses it without the lag', async () => {
    // Beijing wall time (the table's timeZone), from the database clock.
    const now = driver === 'postgres' ? "(now() AT TIME ZONE 'Asia/Shanghai')" : '(UTC_TIMESTAMP(6) + INTERVAL 8 HOUR)';
    await db.sql(`DELETE FROM ${table}`);
    // A writer stamps row 1 and keeps its transaction open; row 2, stamped later, commits first.
    const writer = await db.other();
    const stamp = (seconds: number) => (driver === 'postgres' ? `${now} - interval '${seconds} seconds'` : `${now} - INTERVAL ${seconds} SECOND`);
    const insert = (id: number, seconds: number) =>
      `INSERT INTO ${table} (id, bjbh, hj, slqd, fssj, updated_at) VALUES (${id}, 'SCJG-L-${id}', '受理', '网上办理', '2025-08-01 09:00:00', ${stamp(seconds)})`;
    try {
      await writer.sql(driver === 'postgres' ? 'BEGIN' : 'START TRANSACTION');
      await writer.sql(insert(1, 2));
      await db.sql(insert(2, 1));
      const lagged = connector(db, { safetyLagSeconds: 3 });
      const unlagged = connector(db, { safetyLagSeconds: 0 });
      const withLag = new Map<string, Checkpoint>();
      const withoutLag = new Map<string, Checkpoint>();
      let lookBack: ReturnType<typeof connector> | undefined;
      try {
        expect(ids(await readAll(lagged, withLag))).toEqual([]); // row 2 is inside the lag: not yet
        expect(ids(await readAll(unlagged, withoutLag))).toEqual([2]); // no lag: row 2 now, past row 1's stamp
        await writer.sql('COMMIT');
        await sleep(3500);
        expect(ids(await readAll(lagged, withLag))).toEqual([1, 2]);
        expect(ids(await readAll(unlagged, withoutLag))).toEqual([]); // row 1 is behind the checkpoint: lost
        // A look-back window re-reads it (the checkpoint stays), and re-reads row 2: same record ids.
        lookBack = connector(db, { safetyLagSeconds: 0, lookBackSeconds: 60 });
        const again = await readAll(lookBack, withoutLag);
        expect(ids(again)).toEqual([1, 2]);
        expect(again.flatMap((b) => b.records.map((r) => r.id))).toEqual([`${driver === 'postgres' ? 'qzk.' : ''}sj_bjxx#1`, `${driver === 'postgres' ? 'qzk.' : ''}sj_bjxx#2`]);
      } finally {
        await Promise.all([lagged.close?.(), unlagged.close?.(), lookBack?.close?.()]);
      }
    } finally {
      await writer.end();
    }
  }, 60_000);

  it('gives naive timestamps as wall text and instants as ISO-8601 with their offset', async () => {
    await db.sql(`DELETE FROM ${table}`);
    await insertBjxx(db, driver, table, bjxxRows(7, 1, () => '2025-08-20 10:00:00.250000'));
    const aware = driver === 'postgres' ? 'timestamptz' : 'TIMESTAMP(3) NULL';
    await db.sql(`ALTER TABLE ${table} ADD COLUMN received_at ${aware}`);
    // 2025-08-20 01:02:03.5 UTC, written as Beijing time.
    await db.sql(driver === 'postgres' ? `UPDATE ${table} SET received_at = '2025-08-20 09:02:03.5+08'` : `UPDATE ${table} SET received_at = CONVERT_TZ('2025-08-20 09:02:03.5', '+08:00', @@session.time_zone)`);
    const c = connector(db, {});
    try {
      const [batch] = await readAll(c, new Map());
      const f = batch.records[0].fields!;
      expect(f.fssj).toBe('2025-08-08 07:07:00');
      expect(Date.parse(String(f.received_at))).toBe(Date.UTC(2025, 7, 20, 1, 2, 3, 500));
      expect(String(f.received_at)).toMatch(/^2025-08-20T\d\d:02:03\.5(00)?(Z|[+-]\d\d:\d\d)$/);
      expect(batch.checkpoint).toEqual({ updatedAt: driver === 'postgres' ? '2025-08-20 10:00:00.25' : '2025-08-20 10:00:00.250000', id: 7 });
    } finally {
      await c.close?.();
      await db.sql(`ALTER TABLE ${table} DROP COLUMN received_at`);
    }
  });

  it('check() names an unreachable server, a missing table and the missing mapped columns', async () => {
    const closed = { driver, url: `${driver}://root@127.0.0.1:1/x` };
    const unreachable = connector(closed, {});
    const down = await unreachable.check();
    await unreachable.close?.();
    expect(down).toEqual({ ok: false, message: expect.stringMatching(/^cannot reach .*127\.0\.0\.1:1\/x: .*ECONNREFUSED/) });

    const noTable = connector(db, { table: 'sj_missing' });
    expect((await noTable.check()).message).toContain(`table ${driver === 'postgres' ? 'qzk.' : ''}sj_missing does not exist`);
    await noTable.close?.();

    const c = connector(db, {}, ['bjbh', '办件来源', 'fssj', 'blzt']);
    const r = await c.check();
    expect(r.ok).toBe(false);
    expect(r.message).toContain('columns the mapping reads are missing: 办件来源, blzt');
    await c.close?.();

    const good = connector(db, {}, ['bjbh', 'fssj']);
    expect(await good.check()).toMatchObject({ ok: true, message: expect.stringContaining('with 12 columns') });
    await good.close?.();
  });

  it('cancels a statement that runs longer than statementTimeoutSeconds', async () => {
    // A view that takes 3 s per row: the connector's query on it must stop after 1 s.
    const sleepFn = driver === 'postgres' ? 'pg_sleep(3) IS NULL' : 'SLEEP(3)';
    await db.sql(`DELETE FROM ${table}`);
    await insertBjxx(db, driver, table, bjxxRows(1, 1, () => '2025-08-20 10:00:00'));
    await db.sql(`CREATE VIEW ${driver === 'postgres' ? 'qzk.' : ''}sj_slow AS SELECT t.*, ${sleepFn} AS z FROM ${table} t`);
    const c = connector(db, { table: 'sj_slow', statementTimeoutSeconds: 1 });
    try {
      const started = Date.now();
      const err = await readAll(c, new Map()).then(
        () => undefined,
        (e: unknown) => e as { code: string; message: string; canRetry: boolean },
      );
      expect(err).toMatchObject({ code: 'SOURCE_UNAVAILABLE', canRetry: true, message: expect.stringContaining('the query timed out') });
      expect(Date.now() - started).toBeLessThan(2900);
    } finally {
      await c.close?.();
    }
  });
});

describe('sql-poll sample source (connector test)', () => {
  it('loads the SCJGJ sample into an embedded PGlite when no scratch server is named, and adds rows after it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-sql-sample-'));
    const d = loadDepartmentFile(path.join(PROJECT_ROOT, 'pipelines', 'departments', 'SCJGJ.yaml'));
    const sampleFile = path.join(PROJECT_ROOT, 'pipelines', 'departments', 'samples', 'SCJGJ.jsonl');
    const source = await sqlPoll.sampleSource!(d.source as SqlPollSettings, sampleFile, { dir, logger: silentLogger(), department: 'SCJGJ' });
    const c = sqlPoll.create(source.settings, { department: 'SCJGJ', logger: silentLogger(), request: (_w, fn) => fn(), mappedColumns: mappedColumns(d.mapping) });
    try {
      expect(await c.check()).toMatchObject({ ok: true });
      const store = new Map<string, Checkpoint>();
      const first = await readAll(c, store);
      const offline = await sqlPoll.sampleRecords(d.source as SqlPollSettings, sampleFile);
      expect(first.flatMap((b) => b.records.map((r) => r.fields))).toEqual(offline.map((r) => r.fields));
      expect(first[0].records[0].fields).not.toHaveProperty('zjhm'); // not in columns: never read
      await source.add!([{ ...offline[0].fields!, id: 5001 }, { ...offline[1].fields!, id: 5002 }]);
      expect(ids(await readAll(c, store))).toEqual([5001, 5002]);
    } finally {
      await c.close?.();
      await source.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('sql-poll login', () => {
  it('check() says MariaDB refused a wrong password, naming user and server but not the password', async () => {
    const u = new URL(SERVER_URL.mysql);
    const c = sqlPoll.create(
      sqlPollSpec.parse({ type: 'sql-poll', driver: 'mysql', host: u.hostname, port: Number(u.port), database: 'test', user: 'root', password: { env: 'T_PW' }, table: 'sj_bjxx' }) as SqlPollSettings,
      { department: 'SCJGJ', logger: silentLogger(), request: (_w, fn) => fn(), env: { T_PW: 'not-the-password-4711' } },
    );
    const r = await c.check();
    await c.close?.();
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/^mysql root@127\.0\.0\.1:3306\/test refused the login: Access denied/);
    expect(r.message).not.toContain('not-the-password-4711');
  });

  it('refuses a department file whose url holds a password', () => {
    const r = sqlPollSpec.safeParse({ type: 'sql-poll', url: 'postgres://reader:s3cret@10.0.0.1/qzk', table: 't' });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('a password in the url is refused');
    expect(JSON.stringify(r.error?.issues)).not.toContain('s3cret');
  });
});
