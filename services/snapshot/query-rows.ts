/**
 * Numbers that are numbers in query rows. DuckDB's JSON conversion writes BIGINT, HUGEINT and DECIMAL
 * values as strings (exact at any size); counts are BIGINT, so analysts got `"value": "630"`. Such a
 * value becomes a number when that is exact (an integer up to 2^53, or a decimal); an integer beyond
 * 2^53 stays a string rather than be rounded.
 */
import { DuckDBTypeId, type DuckDBType, type Json } from '@duckdb/node-api';

const WIDE_INTEGERS = new Set([DuckDBTypeId.BIGINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT]);

/** For the result's column types, a function that turns such strings into numbers in a chunk of rows, in place. */
export function numberConverter(types: DuckDBType[]): (rows: Json[][]) => void {
  const convert: [number, (s: string) => Json][] = [];
  types.forEach((t, i) => {
    if (WIDE_INTEGERS.has(t.typeId)) convert.push([i, (s) => (Number.isSafeInteger(Number(s)) ? Number(s) : s)]);
    else if (t.typeId === DuckDBTypeId.DECIMAL) convert.push([i, Number]);
  });
  if (convert.length === 0) return () => undefined;
  return (rows) => {
    for (const row of rows) {
      for (const [i, fn] of convert) {
        const v = row[i];
        if (typeof v === 'string') row[i] = fn(v);
      }
    }
  };
}
