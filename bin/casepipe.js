#!/usr/bin/env -S node --max-semi-space-size=16
// The `casepipe` command. The code is TypeScript run through tsx's loader, so there is no build step
// and no stale dist/ to forget.
import { register } from 'tsx/esm/api';

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

register();
await import('../services/cli/main.ts');
