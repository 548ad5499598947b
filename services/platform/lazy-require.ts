/**
 * Heavy libraries loaded when first used, not when a module that might use them is imported. Every
 * command reads the department files, which know every connector type, whose modules use pg, mysql2 and
 * exceljs; the worker links the snapshot job, whose report uses exceljs. Loaded eagerly they cost every
 * `casepipe` command and every worker start about 2 s of CPU before any work.
 * Synchronous (these are CommonJS packages), so the code that uses them keeps its shape.
 */
import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

/** A loader for package `id`: requires it on the first call, returns the same module after. */
export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireHere(id) as T);
}
