/**
 * The 128-bit hash of a dedupe key, computed in JavaScript (MurmurHash3 x86_128 over the key's UTF-16
 * code units), so the in-memory winner index and the stored `key_hi`/`key_lo` columns never depend on
 * DuckDB's hash function (which may change between versions).
 *
 * Collisions: treated as a random 128-bit function (one bit is forced to 1 to mark a used slot, so
 * 127 bits), n keys collide with probability about n^2 / 2^128: 1.5e-25 for 10M keys, 2.9e-21 for a
 * billion. A collision would merge two keys; at these odds that is far below the rate of undetected
 * disk or memory errors, so the identity columns are not compared on the hot path.
 */

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** The hash's four 32-bit words, written by hashKey (one shared buffer: no allocation per event). */
export const KEY_WORDS = new Int32Array(4);

/**
 * Hashes (tag, a, b) into KEY_WORDS: the tag (the entity/kind) and the length of `a` go in first, so
 * ("ab", "c") and ("a", "bc") differ. Milestones: (kind code, case id, ''); consultations:
 * (CONSULTED code, department code, record id).
 */
export function hashKey(tag: number, a: string, b: string): Int32Array {
  let h1 = 0x9747b28c ^ tag;
  let h2 = 0x5bd1e995 ^ a.length;
  let h3 = 0x1b873593;
  let h4 = 0xcc9e2d51 ^ b.length;
  const la = a.length;
  const total = la + b.length;
  // Four 32-bit words per round; each word is two UTF-16 units.
  let i = 0;
  const unit = (j: number): number => (j < la ? a.charCodeAt(j) : j < total ? b.charCodeAt(j - la) : 0);
  for (; i + 8 <= total; i += 8) {
    let k1 = unit(i) | (unit(i + 1) << 16);
    let k2 = unit(i + 2) | (unit(i + 3) << 16);
    let k3 = unit(i + 4) | (unit(i + 5) << 16);
    let k4 = unit(i + 6) | (unit(i + 7) << 16);
    k1 = Math.imul(k1, C1); k1 = rotl(k1, 15); k1 = Math.imul(k1, C2); h1 ^= k1;
    h1 = rotl(h1, 19); h1 = (h1 + h2) | 0; h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(k2, C2); k2 = rotl(k2, 16); k2 = Math.imul(k2, C3); h2 ^= k2;
    h2 = rotl(h2, 17); h2 = (h2 + h3) | 0; h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(k3, C3); k3 = rotl(k3, 17); k3 = Math.imul(k3, C4); h3 ^= k3;
    h3 = rotl(h3, 15); h3 = (h3 + h4) | 0; h3 = (Math.imul(h3, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(k4, C4); k4 = rotl(k4, 18); k4 = Math.imul(k4, C1); h4 ^= k4;
    h4 = rotl(h4, 13); h4 = (h4 + h1) | 0; h4 = (Math.imul(h4, 5) + 0x32ac3b17) | 0;
  }
  if (i < total) {
    // The tail, zero-padded (the lengths mixed in above keep padded keys apart).
    let k1 = unit(i) | (unit(i + 1) << 16);
    let k2 = unit(i + 2) | (unit(i + 3) << 16);
    let k3 = unit(i + 4) | (unit(i + 5) << 16);
    let k4 = unit(i + 6) | (unit(i + 7) << 16);
    k4 = Math.imul(k4, C4); k4 = rotl(k4, 18); k4 = Math.imul(k4, C1); h4 ^= k4;
    k3 = Math.imul(k3, C3); k3 = rotl(k3, 17); k3 = Math.imul(k3, C4); h3 ^= k3;
    k2 = Math.imul(k2, C2); k2 = rotl(k2, 16); k2 = Math.imul(k2, C3); h2 ^= k2;
    k1 = Math.imul(k1, C1); k1 = rotl(k1, 15); k1 = Math.imul(k1, C2); h1 ^= k1;
  }
  const len = total * 2;
  h1 ^= len; h2 ^= len; h3 ^= len; h4 ^= len;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0; h3 = (h3 + h1) | 0; h4 = (h4 + h1) | 0;
  h1 = fmix(h1); h2 = fmix(h2); h3 = fmix(h3); h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0; h3 = (h3 + h1) | 0; h4 = (h4 + h1) | 0;
  KEY_WORDS[0] = h1;
  KEY_WORDS[1] = h2;
  KEY_WORDS[2] = h3;
  KEY_WORDS[3] = h4 | 1; // never all zero: an all-zero slot is empty
  return KEY_WORDS;
}
