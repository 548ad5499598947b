import { createHash, randomBytes } from 'node:crypto';
import { opaqueId } from './opaque-id.js';
import { findPersonalData } from './personal-data.js';

describe('opaqueId', () => {
  it('writes RFC 4648 base32, lowercase, unpadded', () => {
    // RFC 4648 section 10 test vectors.
    const vectors: [string, string][] = [['', ''], ['f', 'my'], ['fo', 'mzxq'], ['foo', 'mzxw6'], ['foob', 'mzxw6yq'], ['fooba', 'mzxw6ytb'], ['foobar', 'mzxw6ytboi']];
    for (const [input, expected] of vectors) expect([input, opaqueId(Buffer.from(input))]).toEqual([input, expected]);
  });

  it('never looks like personal data, where hex digests often do', () => {
    let hexLooksPersonal = 0;
    for (let i = 0; i < 5000; i++) {
      const digest = createHash('sha1').update(randomBytes(16)).digest();
      expect(findPersonalData(opaqueId(digest))).toBeNull();
      if (findPersonalData(digest.toString('hex')) !== null) hexLooksPersonal++;
    }
    expect(hexLooksPersonal).toBeGreaterThan(0); // why hex is not used: ~1.6% of sha1 digests
  });
});
