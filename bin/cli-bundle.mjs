// The `casepipe` command's code as one bundle (esbuild), built from the TypeScript sources on the first
// start after any of them changed and reused after: loading ~200 TypeScript modules through tsx's loader
// hooks cost every command ~1-2 s of start-up (`casepipe --help`: 1.8-2.5 s through tsx, ~1.0 s bundled),
// and every worker restart and every child a test spawns pays it. There is still no build step to run and
// no dist/ to go stale: a bundle whose sources (or this file) changed is built again before it is used.
//
// Layout under node_modules/.cache/casepipe (npm ci clears it, as it should):
//   current.json   which build is current, and the size and mtime of every source it was built from
//   b-<id>/        a build: main.mjs (the CLI), record-check-worker.mjs (the record-check thread), chunks
// A build is written to its own new folder and made current by renaming current.json over the old one,
// so processes starting together never see half a build. Each start from a build touches its folder; a
// build no process started from for a week is removed when another is built (a long-running process may
// still start a record-check thread from its own: record-check-thread.ts falls back to the sources).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Changes when the build's options do: a bundle from other options is stale whatever its sources. */
const BUILD_VERSION = 1;
/** A build no process has started from for this long is removed when another is built. */
const STALE_BUILD_MS = 7 * 24 * 60 * 60_000;

/** The bundles' entry points, relative to the project root. */
export const ENTRIES = {
  main: 'services/cli/main.ts',
  'record-check-worker': 'services/worker/record-check-worker.ts',
};

/**
 * The bundled CLI of the project at `root` (main.mjs's path), built first when missing or stale.
 * Throws when it cannot be built (the caller runs the sources through tsx instead).
 */
export async function ensureBundle(root, { cacheDir = path.join(root, 'node_modules', '.cache', 'casepipe'), entries = ENTRIES } = {}) {
  const current = readCurrent(cacheDir);
  if (current && isFresh(root, cacheDir, current)) {
    touch(path.join(cacheDir, current.dir));
    return path.join(cacheDir, current.dir, 'main.mjs');
  }
  return build(root, cacheDir, entries);
}

function readCurrent(cacheDir) {
  try {
    return JSON.parse(fs.readFileSync(path.join(cacheDir, 'current.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Same build options, the build's folder there, and every source with the size and mtime it was built from. */
function isFresh(root, cacheDir, current) {
  if (current.version !== BUILD_VERSION || !fs.existsSync(path.join(cacheDir, current.dir, 'main.mjs'))) return false;
  for (const [file, [size, mtimeMs]] of Object.entries(current.inputs)) {
    let st;
    try {
      st = fs.statSync(path.join(root, file));
    } catch {
      return false;
    }
    if (st.size !== size || st.mtimeMs !== mtimeMs) return false;
  }
  return true;
}

async function build(root, cacheDir, entries) {
  const { build: esbuild } = await import('esbuild');
  const dir = `b-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const outdir = path.join(cacheDir, dir);
  const started = Date.now();
  const result = await esbuild({
    absWorkingDir: root,
    entryPoints: entries,
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'silent',
    // The thread's entry in this build (record-check-thread.ts starts it instead of the tsx one).
    define: { CASEPIPE_BUNDLED_RECORD_CHECK: JSON.stringify(pathToFileURL(path.join(outdir, 'record-check-worker.mjs')).href) },
    plugins: [sourceUrls(root)],
  });
  const inputs = {};
  const tsconfig = fs.existsSync(path.join(root, 'tsconfig.json')) ? ['tsconfig.json'] : [];
  for (const file of [...Object.keys(result.metafile.inputs), ...tsconfig, path.relative(root, fileURLToPath(import.meta.url))]) {
    const st = fs.statSync(path.join(root, file));
    // A source changed while it was being bundled may be in the bundle as it was: never fresh.
    inputs[file] = [st.size, st.mtimeMs >= started ? -1 : st.mtimeMs];
  }
  const next = path.join(cacheDir, `current.${dir}.json`);
  fs.writeFileSync(next, JSON.stringify({ version: BUILD_VERSION, dir, inputs }));
  fs.renameSync(next, path.join(cacheDir, 'current.json'));
  removeOldBuilds(cacheDir, dir);
  return path.join(outdir, 'main.mjs');
}

/**
 * Keeps each module's own `import.meta.url`: the code finds schemas/, pipelines/, store.sql and the
 * project root relative to its source file, which a bundle elsewhere would otherwise break.
 */
function sourceUrls(root) {
  return {
    name: 'casepipe-source-urls',
    setup(b) {
      b.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
        if (!args.path.startsWith(root) || args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const source = fs.readFileSync(args.path, 'utf8');
        return { contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
      });
    },
  };
}

/** Marks a build as started from (its folder's mtime), so it is not removed as unused. */
function touch(dir) {
  try {
    const now = new Date();
    fs.utimesSync(dir, now, now);
  } catch {
    // Read-only or removed: only the clean-up's age is off.
  }
}

function removeOldBuilds(cacheDir, keep) {
  for (const name of fs.readdirSync(cacheDir)) {
    if (name === keep || !name.startsWith('b-')) continue;
    const full = path.join(cacheDir, name);
    try {
      if (Date.now() - fs.statSync(full).mtimeMs > STALE_BUILD_MS) fs.rmSync(full, { recursive: true, force: true });
    } catch {
      // Another process removed it first.
    }
  }
}
