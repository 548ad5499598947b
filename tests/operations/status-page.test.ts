/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The status page as a person sees it: a real headless Chromium (Debian's `chromium`, driven by
 * playwright-core) opens / on a running worker. Two departments send; one stops, and after its
 * declared cadence it stands out as stale on the page and in `casepipe status`. The page also shows
 * every partition's lag, the dead letters by reason and the snapshot with a link to its report.
 * A screenshot is kept in .data/status-page.png.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { monthOf } from '../../services/contract/month.js';
import { sampleEvent } from '../../services/contract/test-events.js';
import { silentLogger } from '../../services/platform/logger.js';
import { startWorkerProcess } from '../../services/worker/worker-process.js';
import { testKafka } from '../fixtures/broker.js';
import { freePort } from '../fixtures/free-port.js';
import { createCaseTopics, eventRecord, publish, testPipeline, waitForStore } from '../fixtures/pipeline.js';
import { PROJECT_ROOT } from '../fixtures/test-broker-state.js';

const CHROMIUM = '/usr/bin/chromium';

function requireChromium(): void {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh as root (apt-get install chromium) to get the browser this test drives`);
}

describe('status page', () => {
  it('shows a department that stopped sending as stale, in Chromium and in `casepipe status`', async () => {
    requireChromium();
    const port = await freePort();
    const p = testPipeline('statuspage', { CASEPIPE_WORKER_PORT: String(port) });
    const departmentsDir = path.join(p.dataDir, 'departments');
    fs.mkdirSync(departmentsDir);
    fs.writeFileSync(path.join(departmentsDir, 'JTYST.yaml'), 'code: JTYST\nname: 交通运输厅\ncadence: PT1H\n');
    fs.writeFileSync(path.join(departmentsDir, 'MZT.yaml'), 'code: MZT\nname: 民政厅\ncadence: 4s\n');
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    await createCaseTopics(admin, p.topics, 12);
    const now = Date.now() - 60_000;
    const event = (dept: 'JTYST' | 'MZT', i: number) =>
      eventRecord(sampleEvent('RECEIVED', { caseId: `SC-PAGE-${dept}-${i}`, eventId: `e-${dept}-${i}`, departmentCode: dept, departmentName: dept === 'MZT' ? '民政厅' : '交通运输厅', eventTime: now }));
    await publish(kafka, p.topics.caseEvents, [event('JTYST', 1), event('MZT', 1), { key: 'junk', value: Buffer.from('not avro') }]);

    const worker = await startWorkerProcess({ config: p.config, logger: silentLogger(), brokers: p.brokers, topics: p.topics, port, departmentsDir, statusIntervalMs: 500 });
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-chromium-'));
    let browser: Awaited<ReturnType<typeof chromium.launchPersistentContext>> | undefined;
    try {
      await waitForStore(admin, p.topics.caseEvents, () => worker.store.storedOffsets(p.topics.caseEvents));
      const month = monthOf(now);
      // The running month: an early snapshot, forced (it stays provisional).
      const snap = await worker.snapshot(month, { force: true });
      // MZT has stopped; JTYST keeps sending past MZT's 4 s cadence.
      const mztLast = Date.now();
      for (let i = 2; Date.now() - mztLast < 5000; i++) {
        await publish(kafka, p.topics.caseEvents, [event('JTYST', i)]);
        await new Promise((r) => setTimeout(r, 1000));
      }
      await waitForStore(admin, p.topics.caseEvents, () => worker.store.storedOffsets(p.topics.caseEvents));

      browser = await chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      const page = await browser.newPage();
      await page.goto(`${worker.url}/`);
      await page.waitForSelector('#departments tr.stale[data-department="MZT"]', { timeout: 30_000 });
      await page.waitForFunction(() => document.querySelectorAll('#partitions tbody tr[data-partition]').length === 12, undefined, { timeout: 30_000 });
      await page.waitForSelector('#snapshots a[href$="report.md"]', { timeout: 30_000 });

      expect(await page.textContent('#ready')).toBe('ready');
      const departments = await page.$$eval('#departments tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-department'), tr.className, tr.lastElementChild?.textContent]));
      expect(departments).toEqual([
        ['MZT', 'stale', 'STALE'],
        ['JTYST', '', 'ok'],
      ]);
      const deadLetters = await page.$$eval('#dead-letters tbody tr', (trs) => trs.map((tr) => Array.from(tr.children, (td) => td.textContent)));
      // As many as the dead-letter topic holds (the test's plain producer may deliver a record twice).
      const dlq = (await admin.fetchTopicOffsets(p.topics.deadLetters)).reduce((n, o) => n + Number(o.high), 0);
      expect(dlq).toBeGreaterThan(0);
      expect(deadLetters).toEqual([['NOT_AVRO', String(dlq)]]);
      const lags = await page.$$eval('#partitions tbody tr', (trs) => trs.map((tr) => Number(tr.children[3].textContent)));
      expect(lags).toEqual(new Array(12).fill(0));
      fs.mkdirSync(path.join(PROJECT_ROOT, '.data'), { recursive: true });
      await page.screenshot({ path: path.join(PROJECT_ROOT, '.data', 'status-page.png'), fullPage: true });

      // The report link opens the snapshot's report.md, read-only.
      const href = await page.getAttribute('#snapshots a[href$="report.md"]', 'href');
      expect(href).toBe(`/snapshots/${month}/v${snap.version}/report.md`);
      const report = await page.request.get(`${worker.url}${href}`);
      expect(report.status()).toBe(200);
      expect(await report.text()).toBe(fs.readFileSync(path.join(snap.folder, 'report.md'), 'utf8'));
      expect((await page.request.get(`${worker.url}/snapshots/${month}/..%2F..%2Flive/report.md`)).status()).toBe(404);

      // The same in a terminal; exit 2 says something needs attention.
      // Not spawnSync: the worker runs in this process and must answer while the command waits.
      const cli = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const env = { ...process.env, KAFKA_BROKERS: p.brokers.join(','), CASEPIPE_WORKER_PORT: String(port), CASEPIPE_DATA_DIR: p.dataDir };
        execFile(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'casepipe.js'), 'status'], { env, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
          resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
        );
      });
      expect({ status: cli.status, stderr: cli.stderr }).toEqual({ status: 2, stderr: '' });
      expect(cli.stdout).toMatch(/^casepipe worker {2}READY$/m);
      expect(cli.stdout).toMatch(/^ {2}STALE {2}MZT .* cadence 4 s {2}民政厅$/m);
      expect(cli.stdout).toMatch(/^ {2}ok {5}JTYST .* cadence 60 min {2}交通运输厅$/m);
      expect(cli.stdout).toContain('NOT_AVRO');
      expect(cli.stdout).toContain(`${worker.url}/snapshots/${month}/v${snap.version}/report.md`);
    } finally {
      await browser?.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
      await worker.stop();
      await admin.disconnect();
      p.cleanup();
    }
  });
});
