/**
 * How a failed DuckDB statement becomes the store's error. DuckDB reports only a message, so the
 * classes are told apart by its text: a transient conflict or lock (rolled back and tried again), a
 * full disk (STORE_DISK_FULL: the worker keeps the batch and waits), anything else (STORE_FAILED).
 */
import { CasepipeError } from '../platform/errors.js';

const TRANSIENT = /conflict|could not set lock|resource temporarily unavailable|interrupted/i;
/** DuckDB's message when a write (WAL, checkpoint, spill) hits ENOSPC. */
const DISK_FULL = /no space left on device/i;

const messageOf = (cause: unknown): string => (cause as Error)?.message ?? String(cause);

/** A conflict or lock that the same transaction, tried again, may get past. */
export function isTransient(cause: unknown): boolean {
  return TRANSIENT.test(messageOf(cause));
}

/**
 * A full disk under the store is its own error: nothing is written (the transaction rolls back), and
 * the same batch succeeds once space is freed, so the worker waits instead of failing.
 */
export function diskFull(cause: unknown, what: string): CasepipeError | undefined {
  const message = messageOf(cause);
  if (!DISK_FULL.test(message)) return undefined;
  return new CasepipeError('STORE_DISK_FULL', `${what}: the disk under the live store is full (${message}); free space on it and the worker resumes`, {
    cause,
    canRetry: true,
  });
}

/** The error a failed store operation ends with: STORE_DISK_FULL or STORE_FAILED. */
export function storeError(cause: unknown, what: string): CasepipeError {
  return diskFull(cause, what) ?? new CasepipeError('STORE_FAILED', `${what} failed: ${messageOf(cause)}`, { cause, canRetry: isTransient(cause) });
}
