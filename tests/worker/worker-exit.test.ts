/**
 * An operator's view of failure: a worker that cannot have its store exits non-zero with a line that
 * says why, instead of hanging or crash-looping.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { silentLogger } from '../../services/platform/logger.js';
import { LiveStore } from '../../services/store/live-store.js';
import { liveStorePath } from '../../services/worker/worker-process.js';
import { PROJECT_ROOT } from '../fixtures/test-broker-state.js';
import { testPipeline } from '../fixtures/pipeline.js';
import { workerAdminUrl } from '../fixtures/listening-address.js';

describe('casepipe worker', () => {
  it('exits 1 with STORE_BUSY when another process holds the live store', async () => {
    const p = testPipeline('busy');
    const holder = await LiveStore.open({ path: liveStorePath(p.config), logger: silentLogger() });
    try {
      const r = spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'casepipe.js'), 'worker'], {
        env: { ...process.env, KAFKA_BROKERS: p.brokers.join(','), CASEPIPE_DATA_DIR: p.dataDir, CASEPIPE_TOPIC_PREFIX: p.config.topicPrefix, CASEPIPE_SCHEDULE: 'off', CASEPIPE_WORKER_PORT: '0' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('STORE_BUSY');
      expect(r.stderr).toContain('one writer');
    } finally {
      holder.close();
      p.cleanup();
    }
  });

  it('stops cleanly with exit 0 on SIGTERM, even while it is still starting', async () => {
    const p = testPipeline('sigterm');
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'casepipe.js'), 'worker'], {
      env: { ...process.env, KAFKA_BROKERS: p.brokers.join(','), CASEPIPE_DATA_DIR: p.dataDir, CASEPIPE_TOPIC_PREFIX: p.config.topicPrefix, CASEPIPE_SCHEDULE: 'off', CASEPIPE_WORKER_PORT: '0', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
    try {
      // As soon as the admin server answers, the consumer may not have joined its group yet.
      const url = await workerAdminUrl(child);
      expect((await fetch(`${url}/livez`)).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exit).toEqual({ code: 0, signal: null });
    } finally {
      child.kill('SIGKILL');
      p.cleanup();
    }
  });
});
