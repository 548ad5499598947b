/**
 * The CLI as an operator starts it: `npx casepipe worker`. Normal start-up logs nothing at warn or
 * above (no kafkajs partitioner or idempotent-retry warnings, no transient start-up errors), and a
 * SIGTERM to the npx launcher stops the worker it started (npm runs it through `sh -c`, which does
 * not pass the signal on).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { testBrokers, uniqueName } from '../fixtures/broker.js';
import { freePort } from '../fixtures/free-port.js';
import { PROJECT_ROOT } from '../fixtures/test-broker-state.js';

async function until(what: string, timeoutMs: number, ok: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('npx casepipe worker', () => {
  let dataDir: string;
  let port: number;
  let launcher: ChildProcess;
  let stderrFile: string;
  const stderr = () => fs.readFileSync(stderrFile, 'utf8');
  let exited: Promise<unknown>;
  const readyz = async () => (await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) })).status === 200;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-quiet-'));
    port = await freePort();
    // A file, not a pipe: the worker (npx's grandchild) keeps writing after npx itself has exited.
    stderrFile = path.join(dataDir, 'stderr.log');
    const err = fs.openSync(stderrFile, 'w');
    launcher = spawn('npx', ['--no-install', 'casepipe', 'worker'], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        KAFKA_BROKERS: testBrokers().join(','),
        CASEPIPE_DATA_DIR: dataDir,
        CASEPIPE_TOPIC_PREFIX: `${uniqueName('quiet')}.`,
        CASEPIPE_GROUP_ID: uniqueName('quiet-group'),
        CASEPIPE_WORKER_PORT: String(port),
        CASEPIPE_SCHEDULE: 'off',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'ignore', err],
    });
    fs.closeSync(err);
    exited = new Promise((r) => launcher.once('exit', r));
    await until('the worker to be ready', 90_000, readyz);
  });

  afterAll(async () => {
    launcher.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts without a warning or error line on stderr', () => {
    const lines = stderr().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(lines.map((l) => l.msg)).toContain('joined consumer group');
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
  });

  it('stops the worker when the npx launcher gets SIGTERM', async () => {
    launcher.kill('SIGTERM');
    await exited;
    // The worker itself (a grandchild) finishes, commits and closes its admin port.
    await until('the worker to stop', 60_000, async () => !(await readyz().catch(() => false)));
    await until('the worker to log its stop', 10_000, async () => stderr().includes('"msg":"worker stopped"'));
  });
});
