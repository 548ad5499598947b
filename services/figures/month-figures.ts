/**
 * The eight figures of one month from the deduplicated `milestones` and `consultations` tables,
 * by the SQL in pipelines/figures.sql (which analysts read). Works on the live store and on a
 * snapshot.duckdb alike: both have those tables (or views) with the same columns.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { isMonth } from '../contract/month.js';
import { CasepipeError } from '../platform/errors.js';
import { emptyFigures, FIGURE_KEYS, type DepartmentFigures, type Month, type MonthFigures } from './window-figures.js';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIGURES_SQL_FILE = path.join(PROJECT_ROOT, 'pipelines', 'figures.sql');

let figuresSql: string | undefined;

export async function readMonthFigures(conn: DuckDBConnection, month: Month): Promise<MonthFigures> {
  if (!isMonth(month)) throw new CasepipeError('QUERY_FAILED', `not a month: ${JSON.stringify(month)} (expected YYYY-MM)`);
  figuresSql ??= fs.readFileSync(FIGURES_SQL_FILE, 'utf8');
  let rows: Record<string, unknown>[];
  try {
    rows = (await conn.runAndReadAll(figuresSql, { month })).getRowObjects();
  } catch (cause) {
    throw new CasepipeError('QUERY_FAILED', `figures for ${month}: ${(cause as Error)?.message}`, { cause });
  }
  const total = emptyFigures();
  const departments: DepartmentFigures[] = rows.map((row) => {
    const figures = emptyFigures();
    for (const key of FIGURE_KEYS) {
      figures[key] = Number(row[key]);
      total[key] += figures[key];
    }
    return { departmentCode: String(row.departmentCode), departmentName: String(row.departmentName), figures };
  });
  return { month, total, departments };
}
