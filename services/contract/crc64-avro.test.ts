import { describe, expect, it } from '@jest/globals';
import avsc from 'avsc';
import { crc64Avro, crc64AvroBytes } from './crc64-avro.js';

// Apache Avro's published vectors (share/test/data/schema-tests.txt), signed 64-bit as upstream prints them.
const VECTORS: Array<[string, string]> = [
  ['"null"', '7195948357588979594'],
  ['"boolean"', '-6970731678124411036'],
  ['"int"', '8247732601305521295'],
  ['"long"', '-3434872931120570953'],
  ['"string"', '-8142146995180207161'],
  ['{"name":"foo","type":"fixed","size":15}', '1756455273707447556'],
  ['{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"}]}', '7843277075252814651'],
  ['{"name":"PigValue","type":"record","fields":[{"name":"value","type":["null","int","long","PigValue"]}]}', '-1759257747318642341'],
];

describe('CRC-64-AVRO', () => {
  it.each(VECTORS)('fingerprints %s as upstream does', (canonical, signed) => {
    expect(crc64Avro(canonical)).toBe(BigInt.asUintN(64, BigInt(signed)));
  });

  it('writes the fingerprint little-endian', () => {
    // "null" -> 0x63dd24e7cc258f8a
    expect(crc64AvroBytes('"null"').toString('hex')).toBe('8a8f25cce724dd63');
  });

  it('agrees with avsc on the Parsing Canonical Form of non-canonical input', () => {
    const type = avsc.Type.forSchema({
      type: 'record',
      name: 'foo',
      doc: 'dropped by the canonical form',
      fields: [{ name: 'f1', type: 'boolean', default: true, doc: 'x' }],
    } as avsc.Schema);
    expect(JSON.stringify(type.schema())).toBe('{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"}]}');
    expect(crc64Avro(JSON.stringify(type.schema()))).toBe(BigInt.asUintN(64, 7843277075252814651n));
  });
});
