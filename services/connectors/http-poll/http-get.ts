/**
 * One GET of a JSON page with Node's fetch, a per-request timeout (AbortSignal.timeout) and errors
 * that say what went wrong and whether a retry can help: DNS and refused connections, timeouts, 429
 * and 5xx (with the Retry-After the source asked for) are retryable; 401/403, other statuses and a
 * body that is not JSON are not. Response bodies are never quoted (they may hold personal data).
 */
import { CasepipeError } from '../../platform/errors.js';

export interface GetOptions {
  headers: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
}

export async function getJson(url: URL, opts: GetOptions): Promise<unknown> {
  const where = `${url.origin}${url.pathname}`;
  const signal = opts.signal ? AbortSignal.any([AbortSignal.timeout(opts.timeoutMs), opts.signal]) : AbortSignal.timeout(opts.timeoutMs);
  let text: string;
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json', ...opts.headers }, signal, redirect: 'follow' });
    text = await res.text();
  } catch (err) {
    throw networkError(err, where, opts);
  }
  if (res.status === 429 || res.status >= 500) {
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
    const error = new CasepipeError('SOURCE_UNAVAILABLE', `${where} answered HTTP ${res.status}${retryAfterMs === undefined ? '' : ` (Retry-After ${Math.round(retryAfterMs / 1000)} s)`}`, { canRetry: true });
    throw Object.assign(error, { retryAfterMs });
  }
  if (res.status === 401 || res.status === 403) {
    throw new CasepipeError('SOURCE_UNAVAILABLE', `${where} refused the request: HTTP ${res.status} (check authHeaders and the secrets they name)`);
  }
  if (res.status < 200 || res.status >= 300) throw new CasepipeError('SOURCE_UNAVAILABLE', `${where} answered HTTP ${res.status} (check baseUrl, path and query)`);
  try {
    return JSON.parse(text);
  } catch {
    const type = res.headers.get('content-type') ?? 'no content-type';
    throw new CasepipeError('SOURCE_RESPONSE_INVALID', `${where} did not answer JSON (${type}, ${text.length} characters)`);
  }
}

function networkError(err: unknown, where: string, opts: GetOptions): CasepipeError {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (opts.signal?.aborted) return new CasepipeError('SOURCE_UNAVAILABLE', `${where}: stopped`, { cause: err });
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return new CasepipeError('SOURCE_UNAVAILABLE', `${where} gave no complete response within ${opts.timeoutMs / 1000} s`, { cause: err, canRetry: true });
  }
  const code = e.cause?.code;
  const why =
    code === 'ENOTFOUND' || code === 'EAI_AGAIN'
      ? 'host not found (DNS)'
      : code === 'ECONNREFUSED'
        ? 'connection refused (nothing listens there)'
        : code === 'ECONNRESET'
          ? 'connection reset'
          : (e.cause?.message ?? e.message);
  return new CasepipeError('SOURCE_UNAVAILABLE', `${where}: ${why}`, { cause: err, canRetry: true });
}

/** Retry-After: delay-seconds or an HTTP date; ms from now, or undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
