/**
 * `casepipe figures` and `casepipe snapshot` ask the running worker (the live store's only writer) over
 * its admin port, and open the store file themselves only when no worker answers. Either way a month
 * that has not ended, has not begun or has no events is refused unless `--force`. `snapshot` changes
 * state, so through the worker it needs the admin token the worker was started with.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { addMonths, monthOf } from '../../services/contract/month.js';
import { generateMonth } from '../../services/demo/month-generator.js';
import { silentLogger } from '../../services/platform/logger.js';
import { startWorkerProcess } from '../../services/worker/worker-process.js';
import { testKafka } from '../fixtures/broker.js';
import { createCaseTopics, eventRecord, publish, testPipeline, waitForStore } from '../fixtures/pipeline.js';
import { PROJECT_ROOT } from '../fixtures/test-broker-state.js';

const TOKEN = 'integration-admin-token-5f2c9a71';
const targets = { fullOnlineReceived: 300, fullOnlineCompleted: 320, windowReceived: 40, windowDelivered: 50, mailed: 20, phoneConsultations: 30, onsiteConsultations: 60 };

describe('CLI and the running worker', () => {
  it('reads figures and takes snapshots through the worker, and directly when none runs', async () => {
    const current = monthOf(Date.now());
    const p = testPipeline('cli-worker', { CASEPIPE_ADMIN_TOKEN: TOKEN });
    const generated = generateMonth({ month: '2025-08', seed: 5, targets, malformedRate: 0 });
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    await createCaseTopics(admin, p.topics, 3);
    await publish(kafka, p.topics.caseEvents, generated.events.map(eventRecord));
    // The worker binds port 0 (a free port, picked at bind time); the CLI is told the port it got.
    const worker = await startWorkerProcess({ config: p.config, logger: silentLogger(), brokers: p.brokers, topics: p.topics, port: 0 });
    const port = new URL(worker.url!).port;
    const env: NodeJS.ProcessEnv = { ...process.env, CASEPIPE_ADMIN_TOKEN: TOKEN, KAFKA_BROKERS: p.brokers.join(','), CASEPIPE_DATA_DIR: p.dataDir, CASEPIPE_TOPIC_PREFIX: p.config.topicPrefix, CASEPIPE_WORKER_PORT: port, LOG_LEVEL: 'error' };
    // Asynchronous: the worker answering the CLI runs in this process, so its event loop must stay free.
    const cli = (...args: string[]) => cliWith(env, ...args);
    const cliWith = (cliEnv: NodeJS.ProcessEnv, ...args: string[]) =>
      new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'casepipe.js'), ...args], { env: cliEnv, encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) =>
          resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      });

    try {
      await waitForStore(admin, p.topics.caseEvents, () => worker.store.storedOffsets(p.topics.caseEvents));
      const viaWorker = await cli('figures', '--month', '2025-08', '--json');
      expect(viaWorker.stderr).toBe('');
      expect(JSON.parse(viaWorker.stdout)).toEqual(generated.truth.figures);

      const { CASEPIPE_ADMIN_TOKEN: _, ...withoutToken } = env;
      const refused = await cliWith(withoutToken, 'snapshot', '--month', '2025-08');
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain('answered 401 to POST /snapshots');
      expect(refused.stderr).toContain('ADMIN_UNAUTHORIZED');

      const snap = await cli('snapshot', '--month', '2025-08', '--json');
      expect(snap.status).toBe(0);
      expect(JSON.parse(snap.stdout)).toMatchObject({ month: '2025-08', version: 1, created: true, manifest: { provisional: false } });

      for (const [month, code] of [
        [current, 'SNAPSHOT_MONTH_OPEN'],
        [addMonths(current, 1), 'SNAPSHOT_MONTH_FUTURE'],
        ['2024-01', 'SNAPSHOT_MONTH_EMPTY'],
      ]) {
        const refused = await cli('snapshot', '--month', month);
        expect({ month, status: refused.status, stdout: refused.stdout }).toEqual({ month, status: 1, stdout: '' });
        expect(refused.stderr).toMatch(new RegExp(`^casepipe: ${code}: .*pass --force`));
      }
      const forced = await cli('snapshot', '--month', current, '--force', '--json');
      expect(forced.status).toBe(0);
      expect(JSON.parse(forced.stdout)).toMatchObject({ month: current, version: 1, created: true, manifest: { early: true, provisional: true } });
    } finally {
      await worker.stop();
    }
    try {
      // No worker now: the command opens the store file itself.
      const direct = await cli('figures', '--month', '2025-08', '--json');
      expect(direct.status).toBe(0);
      expect(JSON.parse(direct.stdout)).toEqual(generated.truth.figures);
      const again = await cli('snapshot', '--month', '2025-08');
      expect(again.status).toBe(0);
      expect(again.stdout).toContain('unchanged, kept 2025-08 v1');
      const refused = await cli('snapshot', '--month', addMonths(current, 1));
      expect(refused.status).toBe(1);
      expect(refused.stderr).toMatch(/^casepipe: SNAPSHOT_MONTH_FUTURE: /);
    } finally {
      await admin.disconnect();
      p.cleanup();
    }
  }, 300_000); // a dozen CLI child processes, each starting Node with tsx
});
