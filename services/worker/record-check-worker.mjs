// The record-check thread's entry point: a worker thread starts without this process' TypeScript
// loader, so it registers tsx (as bin/casepipe.js does) before loading the TypeScript entry.
import { register } from 'tsx/esm/api';

register();
await import('./record-check-worker.ts');
