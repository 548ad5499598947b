/**
 * The eight figures of one month from the deduplicated `milestones` and `consultations` tables,
 * by the SQL in pipelines/figures.sql (which analysts read). Works on the live store and on a
 * snapshot.duckdb alike: both have those tables (or views) with the same columns.
 *
 * Departments are named as the registry (pipelines/departments) names them. A code the registry does
 * not know is still counted, under its code, named as its events named it when they agree (else by its
 * code); it and any name that differs from the registry are department findings for the report.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection, DuckDBListValue } from '@duckdb/node-api';
import { departmentFindings, registryNames, type DepartmentFinding } from '../departments/department-registry.js';
import { isMonth } from '../contract/month.js';
import { CasepipeError } from '../platform/errors.js';
import { emptyFigures, FIGURE_KEYS, type DepartmentFigures, type Month, type MonthFigures } from './window-figures.js';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIGURES_SQL_FILE = path.join(PROJECT_ROOT, 'pipelines', 'figures.sql');

let figuresSql: string | undefined;

export async function readMonthFigures(conn: DuckDBConnection, month: Month, names = registryNames()): Promise<MonthFigures> {
  return (await readMonthFiguresAndFindings(conn, month, names)).figures;
}

export async function readMonthFiguresAndFindings(
  conn: DuckDBConnection,
  month: Month,
  names = registryNames(),
): Promise<{ figures: MonthFigures; departmentFindings: DepartmentFinding[] }> {
  if (!isMonth(month)) throw new CasepipeError('QUERY_FAILED', `not a month: ${JSON.stringify(month)} (expected YYYY-MM)`);
  figuresSql ??= fs.readFileSync(FIGURES_SQL_FILE, 'utf8');
  let rows: Record<string, unknown>[];
  try {
    rows = (await conn.runAndReadAll(figuresSql, { month })).getRowObjects();
  } catch (cause) {
    throw new CasepipeError('QUERY_FAILED', `figures for ${month}: ${(cause as Error)?.message}`, { cause });
  }
  const total = emptyFigures();
  const reported = new Map<string, string[]>();
  const departments: DepartmentFigures[] = rows.map((row) => {
    const figures = emptyFigures();
    for (const key of FIGURE_KEYS) {
      figures[key] = Number(row[key]);
      total[key] += figures[key];
    }
    const code = String(row.departmentCode);
    const seen = (row.reportedNames as DuckDBListValue).items.map(String);
    reported.set(code, seen);
    return { departmentCode: code, departmentName: names.get(code) ?? (seen.length === 1 ? seen[0] : code), figures };
  });
  return { figures: { month, total, departments }, departmentFindings: departmentFindings(names, reported) };
}
