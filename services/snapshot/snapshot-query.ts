/**
 * The analysts' query: opens a snapshot's snapshot.duckdb READ_ONLY, so a write statement fails with
 * DuckDB's own error and the file is untouched, and without file-system access, so a query can neither
 * write files (COPY … TO) nor reach other databases or files (ATTACH, read_csv); COPY, EXPORT, ATTACH and
 * DETACH statements are refused before they run (./cross-month-views.ts says why). Never opens the live store.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Month } from '../figures/window-figures.js';
import { CasepipeError } from '../platform/errors.js';
import { openMonthsSideBySide, refuseFileStatements, type MonthSnapshot } from './cross-month-views.js';
import { rowsWithNumbers } from './query-rows.js';
import { latestVersion, listVersions, versionFolder } from './snapshot-folder.js';

export type QueryFormat = 'table' | 'csv' | 'json';

export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
}

export function snapshotDatabase(snapshotsDir: string, month: Month, version?: number): { file: string; version: number } {
  const v = version ?? latestVersion(snapshotsDir, month);
  if (v === undefined) throw new CasepipeError('SNAPSHOT_NOT_FOUND', `no snapshot of ${month} in ${snapshotsDir}; run \`casepipe snapshot --month ${month}\` first`);
  const file = path.join(versionFolder(snapshotsDir, month, v), 'snapshot.duckdb');
  if (!fs.existsSync(file)) {
    throw new CasepipeError('SNAPSHOT_NOT_FOUND', `no version ${v} of ${month} (${file}); ${month} has ${listVersions(snapshotsDir, month).map((n) => `v${n}`).join(', ')}`);
  }
  return { file, version: v };
}

/** `source`: one snapshot file, or several months side by side (./cross-month-views.ts). */
export async function querySnapshot(source: string | MonthSnapshot[], sql: string): Promise<QueryResult> {
  const instance =
    typeof source === 'string' ? await DuckDBInstance.create(source, { access_mode: 'READ_ONLY', enable_external_access: 'false' }) : await openMonthsSideBySide(source);
  const conn = await instance.connect();
  try {
    await refuseFileStatements(conn, sql);
    const reader = await conn.runAndReadAll(sql);
    return { columns: reader.columnNames(), rows: rowsWithNumbers(reader) };
  } catch (err) {
    throw new CasepipeError('QUERY_FAILED', err instanceof Error ? err.message : String(err), { cause: err });
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

export function formatQueryResult(result: QueryResult, format: QueryFormat): string {
  const cell = (v: unknown) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  if (format === 'json') return result.rows.map((r) => JSON.stringify(r)).join('\n');
  if (format === 'csv') {
    const esc = (v: unknown) => {
      const s = cell(v);
      return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
    };
    return [result.columns.map(esc).join(','), ...result.rows.map((r) => result.columns.map((c) => esc(r[c])).join(','))].join('\n');
  }
  // Wide characters (Chinese) take two columns in a terminal.
  const width = (s: string) => [...s].reduce((n, ch) => n + (/[\u1100-\uffef]/.test(ch) ? 2 : 1), 0);
  const pad = (s: string, w: number) => s + ' '.repeat(Math.max(0, w - width(s)));
  const table = [result.columns, ...result.rows.map((r) => result.columns.map((c) => cell(r[c])))];
  const widths = result.columns.map((_, i) => Math.max(...table.map((row) => width(row[i]))));
  const line = (row: string[]) => row.map((v, i) => pad(v, widths[i])).join('  ').trimEnd();
  return [line(table[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...table.slice(1).map(line), `(${result.rows.length} rows)`].join('\n');
}
