import { CasepipeError } from '../platform/errors.js';
import { silentLogger } from '../platform/logger.js';
import { MAX_RETRY_AFTER_MS, sourceRequester } from './source-requests.js';

const flaky = (failures: number, canRetry: boolean) => {
  let calls = 0;
  const fn = async () => {
    calls++;
    if (calls <= failures) throw new CasepipeError('SOURCE_UNAVAILABLE', `attempt ${calls} failed`, { canRetry });
    return 'rows';
  };
  return { fn, calls: () => calls };
};

describe('sourceRequester', () => {
  it('retries a transient source error with backoff until it succeeds', async () => {
    const request = sourceRequester({ concurrency: 1, retries: 3 }, silentLogger(), undefined, 1);
    const f = flaky(2, true);
    await expect(request('read a.csv', f.fn)).resolves.toBe('rows');
    expect(f.calls()).toBe(3);
  });

  it('gives up after the declared retries, and at once on an error a retry cannot help', async () => {
    const request = sourceRequester({ concurrency: 1, retries: 2 }, silentLogger(), undefined, 1);
    const transient = flaky(10, true);
    await expect(request('read', transient.fn)).rejects.toThrow('attempt 3 failed');
    expect(transient.calls()).toBe(3);
    const permanent = flaky(10, false);
    await expect(request('read', permanent.fn)).rejects.toThrow('attempt 1 failed');
    expect(permanent.calls()).toBe(1);
  });

  it('runs at most `concurrency` requests at once', async () => {
    const request = sourceRequester({ concurrency: 2, retries: 0 }, silentLogger());
    let running = 0;
    let most = 0;
    const job = async () => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
    };
    await Promise.all(Array.from({ length: 6 }, () => request('page', job)));
    expect(most).toBe(2);
  });

  it("waits at least the error's retryAfterMs (a Retry-After), capped", async () => {
    const request = sourceRequester({ concurrency: 1, retries: 1 }, silentLogger(), undefined, 1);
    let calls = 0;
    const started = Date.now();
    const fn = async () => {
      if (++calls === 1) throw Object.assign(new CasepipeError('SOURCE_UNAVAILABLE', '429', { canRetry: true }), { retryAfterMs: 300 });
      return Date.now() - started;
    };
    expect(await request('page', fn)).toBeGreaterThanOrEqual(290);
    expect(MAX_RETRY_AFTER_MS).toBeLessThanOrEqual(60_000);
  });
});
