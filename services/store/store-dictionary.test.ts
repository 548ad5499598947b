import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { LiveStore } from './live-store.js';
import { StoreDictionary } from './store-dictionary.js';

const dirs: string[] = [];
const stores: LiveStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function openStore(): Promise<LiveStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-dictionary-'));
  dirs.push(dir);
  const store = await LiveStore.open({ path: path.join(dir, 'live.duckdb'), memoryLimit: '256MB', threads: 1 });
  stores.push(store);
  return store;
}

const stored = async (store: LiveStore) =>
  (await store.connection.runAndReadAll('SELECT code, value FROM store_dictionary ORDER BY code')).getRows().map(([c, v]) => [Number(c), v]);

describe('StoreDictionary', () => {
  it('gives each text one code, dense from 1, also when two writers add overlapping texts at once', async () => {
    const store = await openStore();
    const [a, b] = [await store.connect(), await store.connect()];
    try {
      const dictionary = await StoreDictionary.load(a);
      const [x, y] = await Promise.all([dictionary.codesOf(a, ['RECEIVED', 'JTYST', 'MAIL']), dictionary.codesOf(b, ['MAIL', 'SFT', 'RECEIVED'])]);
      expect(x[0]).toBe(y[2]); // RECEIVED
      expect(x[2]).toBe(y[0]); // MAIL
      expect(await stored(store)).toEqual([
        [1, 'JTYST'], [2, 'MAIL'], [3, 'RECEIVED'], [4, 'SFT'],
      ]);
      expect([...(await dictionary.codesOf(a, ['SFT', 'JTYST']))]).toEqual([4, 1]);
      // A reader that loads it afterwards sees the same codes.
      expect([...(await (await StoreDictionary.load(b)).codesOf(b, ['MAIL', 'new']))]).toEqual([2, 5]);
    } finally {
      a.closeSync();
      b.closeSync();
    }
  });

  it('learns the codes of texts another writer added since it loaded, without adding them again', async () => {
    const store = await openStore();
    const conn = await store.connect();
    try {
      const stale = await StoreDictionary.load(conn);
      await (await StoreDictionary.load(conn)).codesOf(conn, ['A', 'B']);
      expect([...(await stale.codesOf(conn, ['B', 'C']))]).toEqual([2, 3]);
      expect(await stored(store)).toEqual([[1, 'A'], [2, 'B'], [3, 'C']]);
    } finally {
      conn.closeSync();
    }
  });

  it('refuses a dictionary whose codes have a gap: the views would decode the wrong texts', async () => {
    const store = await openStore();
    await store.connection.run(`INSERT INTO store_dictionary VALUES (1, 'A'), (3, 'C')`);
    await expect(StoreDictionary.load(store.connection)).rejects.toThrow(/not dense from 1/);
  });
});
