/**
 * Requests to one department's source go through its own p-queue (concurrency and requests per
 * second from the department file's limits) and are retried with exponential backoff and jitter while
 * the error says a retry can help. A non-retryable error, or the last retry's, goes to the caller.
 * An error may carry `retryAfterMs` (an HTTP source's Retry-After): the wait is then at least that,
 * capped at MAX_RETRY_AFTER_MS so a server asking for an hour does not stall the department silently.
 */
import PQueue from 'p-queue';
import type { Logger } from '../platform/logger.js';

export interface SourceLimits {
  concurrency: number;
  requestsPerSecond?: number;
  retries: number;
}

/** The longest Retry-After honoured; a longer one is waited this long, then the request is tried again. */
export const MAX_RETRY_AFTER_MS = 60_000;

export type SourceRequester = <T>(what: string, fn: () => Promise<T>) => Promise<T>;

export function sourceRequester(limits: SourceLimits, logger: Logger, signal?: AbortSignal, baseDelayMs = 200): SourceRequester {
  const queue = new PQueue({
    concurrency: limits.concurrency,
    ...(limits.requestsPerSecond ? { intervalCap: limits.requestsPerSecond, interval: 1000 } : {}),
  });
  return async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return (await queue.add(fn, { throwOnTimeout: true })) as T;
      } catch (err) {
        const canRetry = (err as { canRetry?: boolean }).canRetry === true;
        if (!canRetry || attempt >= limits.retries || signal?.aborted) throw err;
        const backoff = Math.min(10_000, baseDelayMs * 2 ** attempt) * (0.5 + Math.random() / 2);
        const retryAfter = (err as { retryAfterMs?: number }).retryAfterMs;
        const delay = typeof retryAfter === 'number' && retryAfter >= 0 ? Math.max(backoff, Math.min(retryAfter, MAX_RETRY_AFTER_MS)) : backoff;
        logger.warn({ what, attempt: attempt + 1, delayMs: Math.round(delay), retryAfterMs: retryAfter, err: (err as Error).message }, 'source request failed; retrying');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  };
}
