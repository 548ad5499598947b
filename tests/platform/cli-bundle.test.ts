/**
 * The CLI's bundle (bin/cli-bundle.mjs): built from the sources on first use, reused while they are
 * unchanged, built again when one changes, and each module keeps its own import.meta.url (the code
 * finds schemas/, pipelines/ and store.sql relative to its source file).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCasepipe } from '../../services/snapshot/testing/run-cli.js';

const ROOT = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '../..');
const { ensureBundle } = (await import(pathToFileURL(path.join(ROOT, 'bin/cli-bundle.mjs')).href)) as {
  ensureBundle: (root: string, opts: { cacheDir: string; entries: Record<string, string> }) => Promise<string>;
};

function project(): { root: string; cacheDir: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-bundle-'));
  fs.mkdirSync(path.join(root, 'src/data'), { recursive: true });
  fs.writeFileSync(path.join(root, 'src/data/greeting.txt'), 'hello from the data folder');
  fs.writeFileSync(
    path.join(root, 'src/greeting.ts'),
    `import fs from 'node:fs';\nexport const greeting = (): string => fs.readFileSync(new URL('./data/greeting.txt', import.meta.url), 'utf8');\n`,
  );
  fs.writeFileSync(path.join(root, 'src/main.ts'), `import { greeting } from './greeting.js';\nconsole.log(greeting() + ' v1');\n`);
  return { root, cacheDir: path.join(root, 'cache') };
}

const run = (file: string) => spawnSync(process.execPath, [file], { encoding: 'utf8' });

describe('the CLI bundle', () => {
  it('is built once, keeps each module its own import.meta.url, and is built again when a source changes', async () => {
    const { root, cacheDir } = project();
    const entries = { main: 'src/main.ts' };
    const first = await ensureBundle(root, { cacheDir, entries });
    expect(first.startsWith(cacheDir)).toBe(true);
    // The bundled greeting.ts still reads data/ beside its source, not beside the bundle.
    expect(run(first).stdout.trim()).toBe('hello from the data folder v1');

    // Unchanged sources: the same build (its files untouched).
    const builtAt = fs.statSync(first).mtimeMs;
    const again = await ensureBundle(root, { cacheDir, entries });
    expect(again).toBe(first);
    expect(fs.statSync(again).mtimeMs).toBe(builtAt);

    // A changed import of the entry: a new build with the change.
    fs.writeFileSync(path.join(root, 'src/greeting.ts'), `export const greeting = (): string => 'changed';\n`);
    const changed = await ensureBundle(root, { cacheDir, entries });
    expect(changed).not.toBe(first);
    expect(run(changed).stdout.trim()).toBe('changed v1');
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('runs the CLI bundled and, with CASEPIPE_BUNDLE=off, from the sources through tsx', async () => {
    for (const bundle of ['on', 'off']) {
      const r = await runCasepipe({ CASEPIPE_BUNDLE: bundle }, ['schemas', '--help']);
      expect({ bundle, code: r.code, stderr: r.stderr }).toEqual({ bundle, code: 0, stderr: '' });
      expect(r.stdout).toContain('Usage: casepipe schemas');
    }
  });
});
