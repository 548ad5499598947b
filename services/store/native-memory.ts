/**
 * @duckdb/node-api frees a query result's native memory (a materialized result holds at least one
 * ~256 KB buffer block) only when V8 collects the small JS object that wraps it. V8 sees a tiny
 * heap and collects rarely, so a worker running ~15 statements per batch grew by ~300 MB over 300k
 * events before any collection. The store therefore asks for a full collection every few batches.
 * `--expose-gc` is switched on at runtime (v8.setFlagsFromString) only to obtain `gc`; a full
 * collection of the worker's small heap takes a few milliseconds.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

let gc: (() => void) | undefined;

export function collectGarbage(): void {
  if (!gc) {
    const existing = (globalThis as { gc?: () => void }).gc;
    if (existing) {
      gc = existing;
    } else {
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as () => void;
    }
  }
  gc();
}
