/**
 * How CLI commands reach the live store: the running worker holds the file (DuckDB allows one writer),
 * so they ask it over its admin port, and open the file themselves only when no worker listens. A
 * worker that is there but slow is reported as such, never taken for an absent one.
 */
import { isMonth } from '../contract/month.js';
import { CasepipeError, type ErrorCode } from '../platform/errors.js';
import { LiveStore } from '../store/live-store.js';
import { liveStorePath } from '../worker/worker-process.js';
import type { CliContext } from './context.js';

function refused(err: unknown): boolean {
  const cause = (err as { cause?: { code?: string } })?.cause;
  return cause?.code === 'ECONNREFUSED';
}

/** The worker's JSON answer, or undefined when no worker listens on CASEPIPE_WORKER_PORT. */
async function askWorker<T>(ctx: CliContext, route: string, method: 'GET' | 'POST', timeoutMs: number, failure: ErrorCode): Promise<T | undefined> {
  const url = `http://127.0.0.1:${ctx.config.workerPort}${route}`;
  let res: Response;
  try {
    res = await fetch(url, { method, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    if (refused(err)) return undefined;
    throw new CasepipeError('STORE_BUSY', `the worker on port ${ctx.config.workerPort} holds the live store but did not answer ${route} within ${timeoutMs} ms (${String(err)})`, {
      cause: err,
      canRetry: true,
    });
  }
  const text = await res.text();
  // 409: the worker refused the request for a reason with its own code (e.g. SNAPSHOT_MONTH_OPEN).
  if (res.status === 409) {
    const refusal = JSON.parse(text) as { code: ErrorCode; message: string };
    throw new CasepipeError(refusal.code, refusal.message);
  }
  if (!res.ok) throw new CasepipeError(failure, `the worker answered ${res.status} to ${route}: ${text}`);
  return JSON.parse(text) as T;
}

/** `work` through the running worker, else on the store file opened for the duration. */
export async function withLiveStore<T>(
  ctx: CliContext,
  viaWorker: { route: string; method: 'GET' | 'POST'; timeoutMs: number; failure: ErrorCode },
  direct: (store: LiveStore) => Promise<T>,
): Promise<T> {
  const answer = await askWorker<T>(ctx, viaWorker.route, viaWorker.method, viaWorker.timeoutMs, viaWorker.failure);
  if (answer !== undefined) return answer;
  const store = await LiveStore.open({ path: liveStorePath(ctx.config), memoryLimit: ctx.config.storeMemoryLimit, logger: ctx.logger });
  try {
    return await direct(store);
  } finally {
    store.close();
  }
}

/** `--month` as the CLI takes it: a calendar month in China Standard Time. */
export function monthOption(value: string): string {
  if (!isMonth(value)) throw new CasepipeError('CONFIG_INVALID', `--month must be YYYY-MM, got ${JSON.stringify(value)}`);
  return value;
}
