/**
 * The monthly schedule as the worker runs it: a real worker process (real broker, real live store)
 * with the schedule on and an injected clock. Start-up catch-up from what is already published,
 * months without data skipped, CASEPIPE_FIRST_MONTH and the grace days honoured, re-checks persisted
 * across a restart, and a backfill of last year's records snapshotted although it is older than three
 * months. Then a restatement of two old months published at the next run.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CaseEvent } from '../../services/contract/case-event.js';
import { monthOf } from '../../services/contract/month.js';
import { generateMonth } from '../../services/demo/month-generator.js';
import { winners } from '../../services/demo/reference-count.js';
import { silentLogger } from '../../services/platform/logger.js';
import type { TickResult } from '../../services/snapshot/schedule.js';
import { listMonths, listVersions, readManifest } from '../../services/snapshot/snapshot-folder.js';
import { startWorkerProcess, type RunningWorker } from '../../services/worker/worker-process.js';
import { testKafka } from '../fixtures/broker.js';
import { createCaseTopics, eventRecord, publish, testPipeline, waitForStore } from '../fixtures/pipeline.js';

const TARGETS = { fullOnlineReceived: 12, fullOnlineCompleted: 10, windowReceived: 2, windowDelivered: 2, mailed: 1, phoneConsultations: 2, onsiteConsultations: 3 };
const generate = (month: string) => generateMonth({ month, seed: 9, targets: TARGETS, previousMonthCompletions: 0, boundaryEvents: false, malformedRate: 0 });
const jobs = (r: TickResult) => {
  expect(r.failed).toEqual([]);
  return r.ran.map((j) => `${j.kind} ${j.month}`);
};

describe('the snapshot schedule in a running worker', () => {
  it('catches up, skips, waits, persists and restates as scheduled', async () => {
    // The pipeline went live in October 2024; a backfill brought September and November 2024 records.
    const p = testPipeline('schedule', { CASEPIPE_SCHEDULE: 'on', CASEPIPE_FIRST_MONTH: '2024-10', CASEPIPE_SNAPSHOT_GRACE_DAYS: '4' });
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    const november = generate('2024-11');
    const events = [...generate('2024-09').events, ...november.events, ...generate('2025-07').events, ...generate('2025-08').events];
    let now = new Date('2025-08-10T04:00:00Z'); // 12:00 CST on August 10
    const start = (schedule: boolean): Promise<RunningWorker> =>
      startWorkerProcess({ config: p.config, logger: silentLogger(), brokers: p.brokers, topics: p.topics, port: null, schedule, now: () => now });
    const snapshots = () => Object.fromEntries(listMonths(path.join(p.dataDir, 'snapshots')).map((m) => [m, listVersions(path.join(p.dataDir, 'snapshots'), m).length]));
    let worker: RunningWorker | undefined;
    try {
      await createCaseTopics(admin, p.topics, 3);
      await publish(kafka, p.topics.caseEvents, events.map(eventRecord));
      // The store first catches up with the topic, so the catch-up below sees every month's data.
      worker = await start(false);
      await waitForStore(admin, p.topics.caseEvents, () => worker!.store.storedOffsets(p.topics.caseEvents));
      await worker.stop();

      worker = await start(true);
      // Closed months with data from October 2024 on, oldest first; not September 2024 (before
      // CASEPIPE_FIRST_MONTH), not January-June 2025 (no data), not August 2025 (still running).
      expect(jobs(await worker.catchUp!)).toEqual(['snapshot 2024-10', 'snapshot 2024-11', 'snapshot 2024-12', 'snapshot 2025-07']);
      expect(snapshots()).toEqual({ '2024-10': 1, '2024-11': 1, '2024-12': 1, '2025-07': 1 });
      expect(readManifest(path.join(p.dataDir, 'snapshots'), '2024-11', 1)).toMatchObject({ provisional: false, lag: { total: 0 }, createdAt: '2025-08-10T04:00:00.000Z' });
      expect(jobs(await worker.scheduler!.tick())).toEqual([]);

      // September 5, 01:59 CST: July is re-checked (daily 02:30 slot of the 4th), August waits for the
      // grace days (4: 02:00 CST on September 5), then runs.
      now = new Date('2025-09-04T17:59:00Z');
      expect(jobs(await worker.scheduler!.tick())).toEqual(['recheck 2025-07']);
      now = new Date('2025-09-04T18:00:00Z');
      expect(jobs(await worker.scheduler!.tick())).toEqual(['snapshot 2025-08']);
      await worker.stop();

      // Restarted: nothing is repeated, the re-check included.
      now = new Date('2025-09-04T18:05:00Z');
      worker = await start(true);
      expect(jobs(await worker.catchUp!)).toEqual([]);

      // A late earlier copy moves a November 2024 reception to October 2024: both months get a new
      // version at the next run, although they are far older than the three re-checked months.
      const moved = [...winners(november.events).values()].find((e) => e.kind === 'RECEIVED' && e.channel === 'FULL_ONLINE' && monthOf(e.eventTime) === '2024-11')!;
      const earlier: CaseEvent = { ...moved, eventId: `${moved.eventId}.late`, eventTime: Date.parse('2024-10-31T10:00:00+08:00'), sourceRecordId: 'LATE-1' };
      await publish(kafka, p.topics.caseEvents, [eventRecord(earlier)]);
      await waitForStore(admin, p.topics.caseEvents, () => worker!.store.storedOffsets(p.topics.caseEvents));
      now = new Date('2025-09-04T18:10:00Z');
      expect(jobs(await worker.scheduler!.tick())).toEqual(['restate 2024-10', 'restate 2024-11']);
      const diff = (month: string) => readManifest(path.join(p.dataDir, 'snapshots'), month, 2).diff.filter((d) => d.departmentCode === null);
      expect(diff('2024-10')).toEqual([
        { figure: 'totalHandled', departmentCode: null, old: 0, new: 1 },
        { figure: 'fullOnlineReceived', departmentCode: null, old: 0, new: 1 },
      ]);
      expect(diff('2024-11')).toEqual([
        { figure: 'totalHandled', departmentCode: null, old: 14, new: 13 },
        { figure: 'fullOnlineReceived', departmentCode: null, old: 12, new: 11 },
      ]);
      expect(snapshots()).toEqual({ '2024-10': 2, '2024-11': 2, '2024-12': 1, '2025-07': 1, '2025-08': 1 });
      expect(fs.existsSync(path.join(p.dataDir, 'snapshots', 'schedule-state.json'))).toBe(true);
    } finally {
      await worker?.stop();
      await admin.disconnect();
      p.cleanup();
    }
  });
});
