/**
 * The live store opened READ_ONLY, for a process that only reads it (the CLI's `figures` when no
 * worker runs). It never creates, migrates or checkpoints the file: the bytes stay as the worker left
 * them (the caller checks that the file exists; DuckDB refuses to create one in READ_ONLY mode).
 * While it is open, DuckDB keeps a writer out (one read-write process or many read-only ones), so it
 * is held only for the one read.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { readMonthFigures } from '../figures/month-figures.js';
import type { Month, MonthFigures } from '../figures/window-figures.js';
import { CasepipeError } from '../platform/errors.js';

export class LiveStoreReader {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  static async open(file: string, memoryLimit = '512MB'): Promise<LiveStoreReader> {
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY', memory_limit: memoryLimit });
    } catch (cause) {
      const busy = /lock/i.test(String((cause as Error)?.message));
      throw new CasepipeError(
        busy ? 'STORE_BUSY' : 'STORE_FAILED',
        busy ? `live store ${file} is open for writing in another process` : `cannot open live store ${file} read-only: ${(cause as Error)?.message}`,
        { cause, canRetry: busy },
      );
    }
    return new LiveStoreReader(instance, await instance.connect());
  }

  figures(month: Month): Promise<MonthFigures> {
    return readMonthFigures(this.conn, month);
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
