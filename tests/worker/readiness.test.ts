/**
 * /readyz tells the truth about Kafka: with the broker stopped for longer than
 * CASEPIPE_BROKER_UNREACHABLE_MS it answers 503 naming the reason, /livez stays 200 (the process is
 * fine), /status says the lag could not be read. (The worker gives up after ~a minute without a broker
 * and exits for its supervisor to restart it; that is the stream worker's policy, not tested here.)
 * The broker here is a second local broker on its own ports and folder: the shared one is never stopped.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalBroker } from '../../services/platform/broker/local-broker.js';
import { loadConfig } from '../../services/platform/config.js';
import { silentLogger } from '../../services/platform/logger.js';
import { testBrokers, uniqueName } from '../fixtures/broker.js';
import { freePort } from '../fixtures/free-port.js';
import { PROJECT_ROOT } from '../fixtures/test-broker-state.js';

async function get(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what} did not happen in ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('worker readiness', () => {
  it('answers 503 naming the broker while it is stopped, while /livez stays 200', async () => {
    testBrokers(); // the run's shared broker fetched the jars; fail clearly if it could not
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-readiness-broker-'));
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-readiness-'));
    const broker = new LocalBroker({ home, libsHome: path.join(loadConfig().dataDir, 'kafka'), port: await freePort(), controllerPort: await freePort(), logger: silentLogger() });
    const { bootstrap } = await broker.start();
    const prefix = `${uniqueName('readiness')}.`;
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // A child process, as operators run it: when the worker gives up on a broker that stays away
    // (it exits for its supervisor to restart it), that ends the child, not this test run.
    const worker = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'casepipe.js'), 'worker'], {
      env: {
        ...process.env,
        KAFKA_BROKERS: bootstrap,
        CASEPIPE_DATA_DIR: dataDir,
        CASEPIPE_TOPIC_PREFIX: prefix,
        CASEPIPE_GROUP_ID: uniqueName('readiness-group'),
        CASEPIPE_WORKER_PORT: String(port),
        CASEPIPE_SCHEDULE: 'off',
        CASEPIPE_BROKER_UNREACHABLE_MS: '3000',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    worker.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise((r) => worker.once('exit', r));
    try {
      await until('ready with the broker up', 90_000, async () => ((await get(`${url}/readyz`)).status === 200 ? true : undefined));

      const stopped = Date.now(); // the broker refuses connections from some point during its stop
      await broker.stop();
      // The consumer, losing its group coordinator, may be named too; the broker must be.
      const notReady = await until('503 naming the broker', 60_000, async () => {
        const r = await get(`${url}/readyz`);
        return r.status === 503 && JSON.stringify(r.body).includes('BROKER_UNREACHABLE') ? r : undefined;
      });
      expect(Date.now() - stopped).toBeGreaterThanOrEqual(3000); // not before the setting
      expect(notReady.body).toMatchObject({ ready: false, reasons: expect.arrayContaining([expect.objectContaining({ code: 'BROKER_UNREACHABLE' })]) });
      expect((await get(`${url}/livez`)).status).toBe(200);
      const status = await until('the status to say the lag is unknown', 30_000, async () => {
        const s = (await get(`${url}/status`)).body as { ready: boolean; lag: { error: string | null } };
        return s.lag.error ? s : undefined;
      });
      expect(status.ready).toBe(false);
      await until('the ready gauge to follow', 30_000, async () => {
        const metrics = await (await fetch(`${url}/metrics`)).text();
        return metrics.includes('casepipe_worker_ready 0') && metrics.includes('casepipe_worker_not_ready_reason{reason="BROKER_UNREACHABLE"} 1') ? true : undefined;
      });
    } catch (err) {
      throw new Error(`${String(err)}\nworker stderr:\n${stderr}`);
    } finally {
      worker.kill('SIGKILL');
      await exited;
      await broker.stop();
      fs.rmSync(home, { recursive: true, force: true });
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
