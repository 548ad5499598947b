/**
 * The store's dictionary of low-cardinality texts (store_dictionary, store.sql): the partition tables
 * store a code for each value of their CODED_COLUMNS (services/store/store-schema.ts). Codes are dense
 * from 1 by construction, computed in SQL from the table's own maximum by the one statement that adds
 * them, so the views can decode a code c as the c-th entry of one list (store_decoder). Entries are
 * never deleted.
 *
 * A batch's new texts are added (and committed) before the batch's transaction begins, so a stored
 * row never refers to a code its transaction could roll back; an entry whose batch then fails is
 * harmless. Additions take turns: two writers adding at once would compute the same codes.
 */
import { listValue, LIST, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import { CODED_COLUMNS, type PartitionedTable } from './store-schema.js';

/**
 * Adds the texts not yet in store_dictionary (autocommit, or the caller's transaction) and returns
 * the codes of all of `values`, by text.
 */
export async function addToDictionary(conn: DuckDBConnection, values: readonly string[]): Promise<Map<string, number>> {
  const codes = new Map<string, number>();
  if (values.length === 0) return codes;
  const params = { values: listValue([...values]) };
  const types = { values: LIST(VARCHAR) };
  await conn.run(
    `INSERT INTO store_dictionary
     SELECT (SELECT coalesce(max(code), 0) FROM store_dictionary) + row_number() OVER (ORDER BY v), v
     FROM (SELECT DISTINCT unnest($values::VARCHAR[]) AS v) WHERE v NOT IN (SELECT value FROM store_dictionary)`,
    params,
    types,
  );
  const reader = await conn.runAndReadAll(`SELECT code, value FROM store_dictionary WHERE list_contains($values::VARCHAR[], value)`, params, types);
  for (const [code, value] of reader.getRows()) codes.set(String(value), Number(code));
  return codes;
}

/**
 * Inserts the rows of `select` (a query of `table`'s columns, by name, with texts in the coded
 * columns) into `target`, a partition table of `table`, encoded: their texts are added to the
 * dictionary first. `select` is run twice (texts, then rows). Returns the rows inserted.
 */
export async function insertEncoded(conn: DuckDBConnection, table: PartitionedTable, target: string, select: string): Promise<number> {
  const coded = CODED_COLUMNS[table];
  const texts = (
    await conn.runAndReadAll(`SELECT DISTINCT v FROM (${coded.map((c) => `SELECT ${c}::VARCHAR AS v FROM (${select})`).join(' UNION ALL ')}) WHERE v IS NOT NULL ORDER BY v`)
  ).getRows().map((r) => String(r[0]));
  await addToDictionary(conn, texts);
  const encoded = coded.map((c) => `(SELECT code FROM store_dictionary WHERE value = e.${c}) AS ${c}`).join(', ');
  return (await conn.run(`INSERT INTO ${target} BY NAME SELECT e.* REPLACE (${encoded}) FROM (${select}) e`)).rowsChanged;
}

export class StoreDictionary {
  private adding: Promise<unknown> = Promise.resolve();

  private constructor(private readonly codes: Map<string, number>) {}

  /** Reads the dictionary; refuses one that is not dense from 1 (the views would decode wrongly). */
  static async load(conn: DuckDBConnection): Promise<StoreDictionary> {
    const rows = (await conn.runAndReadAll('SELECT code, value FROM store_dictionary')).getRows();
    const codes = new Map<string, number>();
    let max = 0;
    for (const [code, value] of rows) {
      codes.set(String(value), Number(code));
      max = Math.max(max, Number(code));
    }
    if (max !== rows.length) {
      throw new Error(`store_dictionary holds ${rows.length} texts under codes up to ${max}: not dense from 1; delete the store and let the worker rebuild it by replaying the topic`);
    }
    return new StoreDictionary(codes);
  }

  /**
   * The codes of `values`, in their order; texts the store has never seen are added first, on `conn`
   * in autocommit (call it outside a transaction).
   */
  async codesOf(conn: DuckDBConnection, values: readonly string[]): Promise<Int32Array> {
    const out = new Int32Array(values.length);
    if (this.lookUp(values, out)) return out;
    const turn = this.adding.then(async () => {
      const missing = values.filter((v) => !this.codes.has(v));
      for (const [value, code] of await addToDictionary(conn, missing)) this.codes.set(value, code);
    });
    this.adding = turn.catch(() => undefined);
    await turn;
    if (!this.lookUp(values, out)) throw new Error('store_dictionary: a text was not added');
    return out;
  }

  private lookUp(values: readonly string[], out: Int32Array): boolean {
    for (let i = 0; i < values.length; i++) {
      const code = this.codes.get(values[i]);
      if (code === undefined) return false;
      out[i] = code;
    }
    return true;
  }
}
