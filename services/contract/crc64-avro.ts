/**
 * CRC-64-AVRO (the Rabin fingerprint of the Avro spec), over a schema's Parsing Canonical Form.
 * avsc only offers node:crypto hashes, so this follows the spec's reference algorithm. It runs once
 * per schema file at load time, so BigInt is fast enough.
 */
const EMPTY = 0xc15d213aa4d7a795n;
const MASK = 0xffffffffffffffffn;

const TABLE: bigint[] = (() => {
  const table: bigint[] = [];
  for (let i = 0; i < 256; i++) {
    let fp = BigInt(i);
    for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n));
    table.push(fp & MASK);
  }
  return table;
})();

/** The 64-bit fingerprint as an unsigned BigInt. */
export function crc64Avro(data: string | Uint8Array): bigint {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fp = EMPTY;
  for (const b of bytes) fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(b)) & 0xffn)];
  return fp;
}

/** The fingerprint as the 8 little-endian bytes that follow 0xC3 0x01 in single-object encoding. */
export function crc64AvroBytes(data: string | Uint8Array): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(crc64Avro(data));
  return out;
}
