import { describe, expect, it } from '@jest/globals';
import { hashKey, hashKeyPair, keyHashHi, keyHashLo, keyHashOf } from './key-hash.js';

const pair = (a: string, b: string): [number, number] => {
  hashKeyPair(a, b);
  return [keyHashHi, keyHashLo];
};
const joined = (a: string, b: string): [number, number] => {
  hashKey(`${a}\u0000${b}`);
  return [keyHashHi, keyHashLo];
};

describe('key hash', () => {
  it('hashes a pair as the NUL-joined string, for every length parity and any code unit', () => {
    const alphabet = ['a', 'Z', '7', '-', '受', '理', '\u{1F600}', '\uFFFF', '\u00e9'];
    let seed = 7;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const text = () => Array.from({ length: random(14) }, () => alphabet[random(alphabet.length)]).join('');
    const cases: [string, string][] = [['', ''], ['', 'x'], ['x', ''], ['RECEIVED', 'CASE-1'], ['JTYST', 'Q-1']];
    for (let i = 0; i < 2000; i++) cases.push([text(), text()]);
    for (const [a, b] of cases) expect(pair(a, b)).toEqual(joined(a, b));
  });

  it('keeps the values stored by schema version 4 (a changed hash would hide stored keys)', () => {
    // In every version-4 file: changing the function needs a schema upgrade that rehashes (schema-upgrade.ts).
    expect(keyHashOf('RECEIVED\u0000CASE-1')).toBe(13744968044426774862n);
    expect(keyHashOf('JTYST\u0000Q-1')).toBe(8633789254614902320n);
    expect(pair('a', 'b')).not.toEqual(pair('b', 'a'));
    expect(pair('ab', '')).not.toEqual(pair('a', 'b'));
  });
});
