/**
 * An embedded PostgreSQL for samples and demos when no server is at hand: PGlite (PostgreSQL compiled
 * to WebAssembly, in this process) served on a loopback TCP port by @electric-sql/pglite-socket, so the
 * ordinary `pg` driver (and sql-poll) talk to it like to any server. Limits: one database (`postgres`),
 * queries run one at a time, and no statement_timeout (the pg client's query_timeout still applies).
 */
import fs from 'node:fs';

export interface EmbeddedPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres (no password). */
  url: string;
  host: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts PGlite with its data in `dir` (kept: a restart finds the tables again) on a free loopback port. */
export async function startEmbeddedPostgres(dir: string): Promise<EmbeddedPostgres> {
  fs.mkdirSync(dir, { recursive: true });
  // Loaded here, not with the module: only a sample or demo without a server needs them.
  const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([import('@electric-sql/pglite'), import('@electric-sql/pglite-socket')]);
  const db = await PGlite.create(dir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
  try {
    await server.start();
  } catch (err) {
    await db.close();
    throw err;
  }
  const port = Number(/:(\d+)$/.exec(server.getServerConn())?.[1]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    host: '127.0.0.1',
    port,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
