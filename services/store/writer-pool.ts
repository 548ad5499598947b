/**
 * The store's writing connections. Batches of different partitions are applied on different
 * connections at once (their rows and offset rows never overlap, and DuckDB runs the transactions
 * on different cores); DDL takes turns; an explicit checkpoint holds every writer.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

export class WriterPool {
  private readonly idle: DuckDBConnection[];
  private readonly waiting: ((conn: DuckDBConnection) => void)[] = [];
  private ddlTurn: Promise<unknown> = Promise.resolve();
  private exclusiveTurn: Promise<unknown> = Promise.resolve();

  constructor(readonly writers: readonly DuckDBConnection[]) {
    this.idle = [...writers];
  }

  get size(): number {
    return this.writers.length;
  }

  private acquire(): Promise<DuckDBConnection> {
    const conn = this.idle.pop();
    if (conn) return Promise.resolve(conn);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(conn: DuckDBConnection): void {
    const next = this.waiting.shift();
    if (next) next(conn);
    else this.idle.push(conn);
  }

  /** Runs `fn` on a writer of its own (waiting for one to be free). */
  async withWriter<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const conn = await this.acquire();
    try {
      return await fn(conn);
    } finally {
      this.release(conn);
    }
  }

  /** Like withWriter, one DDL change at a time (concurrent replacements of a view conflict). */
  ddl<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const turn = this.ddlTurn.then(() => this.withWriter(fn));
    this.ddlTurn = turn.catch(() => undefined);
    return turn;
  }

  /** Runs `fn` holding every writer (no batch in flight), e.g. for CHECKPOINT. */
  exclusive<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const turn = this.exclusiveTurn.then(async () => {
      const held: DuckDBConnection[] = [];
      try {
        while (held.length < this.writers.length) held.push(await this.acquire());
        return await fn(held[0]);
      } finally {
        for (const c of held) this.release(c);
      }
    });
    this.exclusiveTurn = turn.catch(() => undefined);
    return turn;
  }
}
