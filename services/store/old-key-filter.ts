/**
 * A Bloom filter over the `key_hash` values of one partition's "old" table (see
 * docs/live-store.md, "Recent and old rows"). It answers "may this key be stored in old?": a
 * `false` is certain, so a batch looks up in the big old table only the keys flagged `true` (the
 * real old duplicates plus ~0.01-0.3% false positives) and skips the table when none are.
 *
 * Derived state, never persisted: rebuilt at open from the old tables' key_hash column. Every key
 * in old must be in the filter (a missing one would let a duplicate through as a new key), so keys
 * are added before the transaction that appends (or moves) them to old commits; extra keys (a
 * transaction that rolled back) only cost a lookup. Staging asks it in JavaScript before any SQL
 * (append mode, docs/live-store.md): a certain "not present" lets a key be appended without a merge.
 *
 * A key_hash (UBIGINT) is passed as its two 32-bit halves; it is well mixed (services/store/key-hash.ts:
 * fmix-finalised MurmurHash3 lanes), so the k bit positions come from double hashing of the halves
 * (Kirsch-Mitzenmacher).
 */
import type { DuckDBConnection } from '@duckdb/node-api';

/** Bits per key at full capacity; the filter is sized for twice the keys it is built with. */
const BITS_PER_KEY = 12;
const HASHES = 8;

export class OldKeyFilter {
  private readonly bits: Int32Array;
  private readonly mask: number;
  private size = 0;

  /** @param capacity keys it holds at the designed false-positive rate (~0.3% when full). */
  constructor(readonly capacity: number) {
    // A power of two of at least capacity * BITS_PER_KEY bits (and at least 64 KiB of bits).
    let m = 1 << 16;
    while (m < capacity * BITS_PER_KEY && m < 2 ** 31) m *= 2;
    this.bits = new Int32Array(m / 32);
    this.mask = m - 1;
  }

  /** Keys added (duplicates counted twice). */
  get count(): number {
    return this.size;
  }

  get bytes(): number {
    return this.bits.byteLength;
  }

  add(hi: number, lo: number): void {
    const step = hi | 1;
    for (let i = 0; i < HASHES; i++) {
      const bit = (lo + Math.imul(i, step)) & this.mask;
      this.bits[bit >>> 5] |= 1 << (bit & 31);
    }
    this.size++;
  }

  mayContain(hi: number, lo: number): boolean {
    const step = hi | 1;
    for (let i = 0; i < HASHES; i++) {
      const bit = (lo + Math.imul(i, step)) & this.mask;
      if ((this.bits[bit >>> 5] & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

/** SQL projecting a key_hash column as the two UINTEGER halves the filter takes. */
export const KEY_HALVES = `(key_hash >> 32)::UINTEGER AS hi, (key_hash & 4294967295)::UINTEGER AS lo`;

/**
 * Streams `SELECT hi, lo, ...` rows (the halves first) and calls `each` for every row; reads chunk
 * by chunk so 10M keys never sit in the JS heap at once.
 */
export async function forEachKeyHash(
  conn: DuckDBConnection,
  sql: string,
  each: (hi: number, lo: number, chunkRow: number, chunk: { getColumnVector(i: number): { getItem(i: number): unknown } }) => void,
): Promise<number> {
  const result = await conn.stream(sql);
  let rows = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const his = chunk.getColumnVector(0);
    const los = chunk.getColumnVector(1);
    for (let i = 0; i < chunk.rowCount; i++) each(his.getItem(i) as number, los.getItem(i) as number, i, chunk);
    rows += chunk.rowCount;
  }
  return rows;
}

/** Builds the filter from every key_hash of `table` (sized for twice its rows, at least `minCapacity`). */
export async function buildOldKeyFilter(conn: DuckDBConnection, table: string, minCapacity: number): Promise<OldKeyFilter> {
  const rows = Number((await conn.runAndReadAll(`SELECT count(*) FROM ${table}`)).getRows()[0][0]);
  const filter = new OldKeyFilter(Math.max(minCapacity, 2 * rows));
  await forEachKeyHash(conn, `SELECT ${KEY_HALVES} FROM ${table}`, (hi, lo) => filter.add(hi, lo));
  return filter;
}
