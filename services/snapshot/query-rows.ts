/**
 * Query rows as JSON-ready objects in which numbers are numbers. DuckDB's JSON conversion writes
 * BIGINT, HUGEINT and DECIMAL values as strings (exact at any size); counts are BIGINT, so analysts
 * got `"value": "630"`. Such a value becomes a number when that is exact (an integer up to 2^53, or a
 * decimal); an integer beyond 2^53 stays a string rather than be rounded.
 */
import { DuckDBTypeId, type DuckDBResultReader } from '@duckdb/node-api';

const WIDE_INTEGERS = new Set([DuckDBTypeId.BIGINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT]);

export function rowsWithNumbers(reader: DuckDBResultReader): Record<string, unknown>[] {
  const rows = reader.getRowObjectsJson() as Record<string, unknown>[];
  const names = reader.columnNames();
  const types = reader.columnTypes();
  const convert: [string, (s: string) => unknown][] = [];
  types.forEach((t, i) => {
    if (WIDE_INTEGERS.has(t.typeId)) convert.push([names[i], (s) => (Number.isSafeInteger(Number(s)) ? Number(s) : s)]);
    else if (t.typeId === DuckDBTypeId.DECIMAL) convert.push([names[i], Number]);
  });
  if (convert.length === 0) return rows;
  for (const row of rows) {
    for (const [name, fn] of convert) if (typeof row[name] === 'string') row[name] = fn(row[name]);
  }
  return rows;
}
