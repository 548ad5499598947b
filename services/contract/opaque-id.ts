/**
 * How casepipe writes the hashes it derives (event ids, connectors' HMAC identifiers): base32 in
 * RFC 4648's alphabet, lowercase, without padding. The alphabet's only digits are 2-7, so a hash can
 * never hold a mobile number (it starts with 1) or a 身份证号 (its birth date needs 0, 1, 8 or 9), and
 * the personal-data scan (./personal-data.ts) never refuses one. Hex would: about 1 in 60 sha1 hex
 * digests holds an 11-digit run such as `13912345678`.
 */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export function opaqueId(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}
