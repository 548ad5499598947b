/**
 * How CLI commands reach the live store: the running worker holds the file (DuckDB allows one writer),
 * so they ask it over its admin port, and open the file themselves only when no worker listens. A
 * worker that is there but slow is reported as such, never taken for an absent one. The CLI never
 * creates a live store: a missing file is STORE_NOT_FOUND (a mistyped CASEPIPE_DATA_DIR), and a
 * command that only reads opens the file READ_ONLY.
 */
import fs from 'node:fs';
import { isMonth } from '../contract/month.js';
import { CasepipeError, type ErrorCode } from '../platform/errors.js';
import { LiveStore } from '../store/live-store.js';
import { LiveStoreReader } from '../store/live-store-reader.js';
import { liveStorePath } from '../worker/worker-process.js';
import type { CliContext } from './context.js';

export interface WorkerRequest {
  route: string;
  method: 'GET' | 'POST';
  /** Sent as JSON with the admin token (state-changing routes take both). */
  body?: unknown;
  timeoutMs: number;
  /** The code of the error when the worker answers with one. */
  failure: ErrorCode;
}

function refused(err: unknown): boolean {
  const cause = (err as { cause?: { code?: string } })?.cause;
  return cause?.code === 'ECONNREFUSED';
}

/** Where the CLI finds the worker: its bind address, or loopback when it listens on every address. */
function workerUrl(ctx: CliContext, route: string): string {
  const host = ctx.config.admin.host;
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${ctx.config.workerPort}${route}`;
}

/** The worker's JSON answer, or undefined when no worker listens on CASEPIPE_WORKER_PORT. */
async function askWorker<T>(ctx: CliContext, req: WorkerRequest): Promise<T | undefined> {
  const headers: Record<string, string> = {};
  if (req.body !== undefined) {
    headers['content-type'] = 'application/json';
    if (ctx.config.admin.token !== undefined) headers.authorization = `Bearer ${ctx.config.admin.token}`;
  }
  let res: Response;
  try {
    res = await fetch(workerUrl(ctx, req.route), {
      method: req.method,
      headers,
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      signal: AbortSignal.timeout(req.timeoutMs),
    });
  } catch (err) {
    if (refused(err)) return undefined;
    throw new CasepipeError('STORE_BUSY', `the worker on port ${ctx.config.workerPort} holds the live store but did not answer ${req.route} within ${req.timeoutMs} ms (${String(err)})`, {
      cause: err,
      canRetry: true,
    });
  }
  const text = await res.text();
  // 409: the worker refused the request for a reason with its own code (e.g. SNAPSHOT_MONTH_OPEN, SNAPSHOT_BUSY).
  if (res.status === 409) {
    const refusal = JSON.parse(text) as { code: ErrorCode; message: string };
    throw new CasepipeError(refusal.code, refusal.message);
  }
  if (!res.ok) throw new CasepipeError(req.failure, `the worker answered ${res.status} to ${req.method} ${req.route}: ${text}`);
  return JSON.parse(text) as T;
}

function existingStore(ctx: CliContext): string {
  const file = liveStorePath(ctx.config);
  if (!fs.existsSync(file)) {
    throw new CasepipeError(
      'STORE_NOT_FOUND',
      `no worker answers on port ${ctx.config.workerPort} and there is no live store at ${file}: is CASEPIPE_DATA_DIR the worker's data directory? (the worker creates the store when it first runs)`,
    );
  }
  return file;
}

/** `work` through the running worker, else on the store file (read-write) opened for the duration. */
export async function withLiveStore<T>(ctx: CliContext, viaWorker: WorkerRequest, direct: (store: LiveStore) => Promise<T>): Promise<T> {
  const answer = await askWorker<T>(ctx, viaWorker);
  if (answer !== undefined) return answer;
  const store = await LiveStore.open({ path: existingStore(ctx), memoryLimit: ctx.config.storeMemoryLimit, logger: ctx.logger });
  try {
    return await direct(store);
  } finally {
    store.close();
  }
}

/** A read through the running worker, else on the store file opened READ_ONLY for the duration. */
export async function readLiveStore<T>(ctx: CliContext, viaWorker: WorkerRequest, direct: (store: LiveStoreReader) => Promise<T>): Promise<T> {
  const answer = await askWorker<T>(ctx, viaWorker);
  if (answer !== undefined) return answer;
  const store = await LiveStoreReader.open(existingStore(ctx), ctx.config.storeMemoryLimit);
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
