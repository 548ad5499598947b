/**
 * The `key_hash` of a stored row, computed in JavaScript from the key's identity string (milestones:
 * kind NUL case id; consultations: department NUL record id; `hashIdentity` in dedupe-merge.ts).
 *
 * Computed here rather than by DuckDB's hash() so that staging knows every batch key's hash before
 * any SQL runs: the old-key filter can then say "certainly new" in JavaScript and those rows are
 * appended to the partition's table without a merge (docs/live-store.md). It also no longer depends
 * on DuckDB's version. The hash only speeds up lookups: every join also compares the identity
 * columns, and the filter only ever skips work for a key it has certainly not seen, so a collision
 * costs a lookup, never a count.
 *
 * Two 32-bit MurmurHash3 lanes with different seeds over the UTF-16 code units (two per 32-bit
 * word), finalised with Murmur's fmix32. The halves are returned through `keyHashHi` / `keyHashLo`
 * (no array per key on the hot path).
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const SEED_HI = 0x9747b28c;
const SEED_LO = 0x3c6ef372;

export let keyHashHi = 0;
export let keyHashLo = 0;

const mixK = (k: number): number => Math.imul(rotl(Math.imul(k, C1), 15), C2);
const rotl = (x: number, r: number): number => (x << r) | (x >>> (32 - r));
const mixH = (h: number, k: number): number => (Math.imul(rotl(h ^ k, 13), 5) + 0xe6546b64) | 0;

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Sets keyHashHi / keyHashLo (unsigned 32-bit halves of the 64-bit key_hash) for an identity string. */
export function hashKey(identity: string): void {
  let h1 = SEED_HI;
  let h2 = SEED_LO;
  const n = identity.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const k = mixK(identity.charCodeAt(i) | (identity.charCodeAt(i + 1) << 16));
    h1 = mixH(h1, k);
    h2 = mixH(h2, k ^ 0x5bd1e995);
  }
  if (i < n) {
    const k = mixK(identity.charCodeAt(i));
    h1 ^= k;
    h2 ^= k ^ 0x5bd1e995;
  }
  keyHashHi = fmix(h1 ^ n);
  keyHashLo = fmix(h2 ^ Math.imul(n, 0x27d4eb2d));
}

/**
 * `hashKey(a + NUL + b)` without building that string (staging hashes every event's identity: a
 * string per event was one more allocation for V8 to collect). Same code units, same order.
 */
export function hashKeyPair(a: string, b: string): void {
  const na = a.length;
  const n = na + 1 + b.length;
  let h1 = SEED_HI;
  let h2 = SEED_LO;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const k = mixK(unitAt(a, na, b, i) | (unitAt(a, na, b, i + 1) << 16));
    h1 = mixH(h1, k);
    h2 = mixH(h2, k ^ 0x5bd1e995);
  }
  if (i < n) {
    const k = mixK(unitAt(a, na, b, i));
    h1 ^= k;
    h2 ^= k ^ 0x5bd1e995;
  }
  keyHashHi = fmix(h1 ^ n);
  keyHashLo = fmix(h2 ^ Math.imul(n, 0x27d4eb2d));
}

/** Code unit i of a + NUL + b (na = a.length). */
const unitAt = (a: string, na: number, b: string, i: number): number => (i < na ? a.charCodeAt(i) : i === na ? 0 : b.charCodeAt(i - na - 1));

/** The 64-bit key_hash as a BigInt (tests, upgrades; not the hot path). */
export function keyHashOf(identity: string): bigint {
  hashKey(identity);
  return (BigInt(keyHashHi) << 32n) | BigInt(keyHashLo);
}
