/**
 * A full disk under the live store: the real `casepipe worker` keeps running, answers /readyz with 503
 * and the reason (STORE_DISK_FULL), keeps the batch and tries it again, and once space is freed counts
 * on to exact figures. No exit, so no restart loop.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { MonthFigures } from '../../services/figures/window-figures.js';
import { generateMonth } from '../../services/demo/month-generator.js';
import { testKafka } from '../fixtures/broker.js';
import { countedDepartments } from '../fixtures/figures.js';
import { createCaseTopics, eventRecord, publish, testPipeline } from '../fixtures/pipeline.js';
import { mountSmallFilesystem, type SmallFilesystem } from '../fixtures/small-filesystem.js';
import { pipelineEnv, startWorkerChild, storedTotal, waitFor } from '../fixtures/worker-child.js';

const targets = { fullOnlineReceived: 500, fullOnlineCompleted: 520, windowReceived: 60, windowDelivered: 80, mailed: 30, phoneConsultations: 40, onsiteConsultations: 90 };

describe('a full disk under the live store', () => {
  const p = testPipeline('disk-full');
  let disk: SmallFilesystem | undefined;
  afterAll(() => {
    disk?.unmount();
    p.cleanup();
  });

  it('makes the worker not ready with the reason, and it resumes exactly once space is freed', async () => {
    disk = mountSmallFilesystem(path.join(p.dataDir, 'live'), 48);
    const generated = generateMonth({ month: '2025-08', seed: 31, targets, malformedRate: 0 });
    const records = generated.events.map(eventRecord);
    const firstPart = Math.floor(records.length / 4);
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    await createCaseTopics(admin, p.topics, 2);
    await publish(kafka, p.topics.caseEvents, records.slice(0, firstPart));

    const worker = startWorkerChild(pipelineEnv(p));
    try {
      const url = await worker.url();
      await waitFor('the first part to be counted', async () => ((await storedTotal(url)) === firstPart ? true : undefined), 60_000, worker.stderr);

      const filler = disk.fill(16 * 1024);
      await publish(kafka, p.topics.caseEvents, records.slice(firstPart));
      const notReady = await worker.whileRunning(waitFor('/readyz to say the disk is full', async () => {
        const res = await fetch(`${url}/readyz`);
        const body = (await res.json()) as { ready: boolean; reasons: { code: string; message: string }[] };
        const reason = body.reasons.find((r) => r.code === 'STORE_DISK_FULL');
        return res.status === 503 && reason ? reason : undefined;
      }, 60_000, () => worker.stderr().slice(-3000)));
      expect(notReady.message).toContain('No space left on device');
      // It keeps trying (at least twice more) and stays up.
      await worker.whileRunning(waitFor('the worker to retry the batch', async () =>
        ((worker.stderr().match(/the disk under the live store is full/g) ?? []).length >= 3 ? true : undefined), 30_000));

      fs.rmSync(filler);
      await waitFor('/readyz to answer 200 again', async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), 30_000, () => worker.stderr().slice(-3000));
      await waitFor('every record to be counted', async () => ((await storedTotal(url)) === records.length ? true : undefined), 60_000);
      const figures = (await (await fetch(`${url}/figures?month=2025-08`)).json()) as MonthFigures;
      expect(countedDepartments(figures)).toEqual(generated.truth.figures);

      worker.child.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
    } finally {
      worker.child.kill('SIGKILL');
      await admin.disconnect();
    }
  }, 240_000);
});
