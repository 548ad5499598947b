#!/usr/bin/env -S node --max-semi-space-size=16
// The `casepipe` command. The code is TypeScript: it runs as a bundle built from the sources on the first
// start after they changed (bin/cli-bundle.mjs), so there is no build step and no stale dist/ to forget.
// CASEPIPE_BUNDLE=off, or a bundle that cannot be built, runs the sources through tsx's loader instead.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Under `npx casepipe …` / `npm run`, npm starts us through `sh -c`: a SIGTERM to npm reaches that shell,
// which dies without passing it on, and we would run on as an orphan. So when npm launched us and our
// parent goes away, we stop as if signalled (the worker finishes its batch and commits).
if (process.env.npm_command !== undefined) {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch); // once: a second SIGTERM would end the clean stop
    process.kill(process.pid, 'SIGTERM');
  }, 500).unref();
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let bundled;
if (process.env.CASEPIPE_BUNDLE !== 'off') {
  try {
    bundled = await (await import('./cli-bundle.mjs')).ensureBundle(root);
  } catch (err) {
    process.stderr.write(`casepipe: running the sources through tsx (the bundle could not be built: ${err.message.split('\n')[0]})\n`);
  }
}
if (bundled) {
  // Stack traces name the TypeScript sources.
  process.setSourceMapsEnabled(true);
  await import(bundled);
} else {
  (await import('tsx/esm/api')).register();
  await import('../services/cli/main.ts');
}
