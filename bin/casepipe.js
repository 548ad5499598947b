#!/usr/bin/env -S node --max-semi-space-size=64
// The `casepipe` command. The code is TypeScript run through tsx's loader, so there is no build step
// and no stale dist/ to forget.
import { register } from 'tsx/esm/api';

register();
await import('../services/cli/main.ts');
