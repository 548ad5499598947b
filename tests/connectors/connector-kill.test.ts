/**
 * The runtime stores a file's row checkpoint only after Kafka acknowledged the batch. SIGKILL of the
 * real `casepipe connectors run` process, repeated until a kill lands between a publish and its
 * checkpoint (seen as more events on the topic than checkpointed rows), loses nothing: the restarted
 * run resumes from the checkpoint, the re-sent copies are byte-identical (same event ids), and the
 * worker's figures equal those of the rows.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { decodeCaseEvent } from '../../services/contract/codec.js';
import { ConnectorState } from '../../services/connectors/connector-state.js';
import { silentLogger } from '../../services/platform/logger.js';
import { startWorkerProcess } from '../../services/worker/worker-process.js';
import { testKafka } from '../fixtures/broker.js';
import { waitForStore } from '../fixtures/pipeline.js';
import { PROJECT_ROOT } from '../fixtures/test-broker-state.js';
import { connectorPipeline, dropCsv, expectedEvent, expectedTotals, HMAC_ENV, readTopic, sourceRows } from './connector-fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('connector crash between publish and checkpoint', () => {
  it('loses nothing and re-sends the same event ids after SIGKILLs of the runtime', async () => {
    const kafka = testKafka();
    const p = await connectorPipeline(kafka, 'fd-kill', { batchSize: 40 });
    const admin = kafka.admin();
    await admin.connect();
    const rows = sourceRows('K', 2400);
    const file = dropCsv(p.inbox, 'YBJ-20250810.csv', rows, 'gb18030');
    const stream = `file:${(await import('node:crypto')).createHash('sha256').update(fs.readFileSync(file)).digest('hex')}`;
    const env = {
      ...process.env,
      ...HMAC_ENV,
      KAFKA_BROKERS: p.brokers.join(','),
      CASEPIPE_DATA_DIR: p.dataDir,
      CASEPIPE_TOPIC_PREFIX: p.config.topicPrefix,
      CASEPIPE_DEPARTMENTS_DIR: p.departmentsDir,
      LOG_LEVEL: 'warn',
    };
    const run = () => {
      const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'casepipe.js'), 'connectors', 'run', '--once'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      return { child, exited, stderr: () => stderr };
    };
    const published = async () => (await admin.fetchTopicOffsets(p.topics.caseEvents)).reduce((s, o) => s + Number(o.high), 0);
    const checkpointedRow = async () => ((await ConnectorState.load(kafka, p.connectorTopics.connectorState)).reader('YBJ').get(stream)?.row as number | undefined) ?? 0;

    let seed = 99;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const kills: { events: number; row: number }[] = [];
    try {
      for (let attempt = 0; attempt < 8 && !kills.some((k) => k.events > k.row); attempt++) {
        const before = await published();
        const r = run();
        // Kill while it publishes: once it has sent something new, after a short random pause.
        const deadline = Date.now() + 60_000;
        while ((await published()) <= before && Date.now() < deadline) await sleep(10);
        await sleep(random() * 30);
        r.child.kill('SIGKILL');
        if ((await published()) === before) throw new Error(`the run published nothing in 60 s: ${r.stderr()}`);
        await r.exited;
        const k = { events: await published(), row: await checkpointedRow() };
        kills.push(k);
        if (k.row >= rows.length) break;
      }
      // At least one kill hit the window: events published beyond the stored checkpoint.
      expect(kills.some((k) => k.events > k.row)).toBe(true);
      expect(kills.at(-1)!.row).toBeLessThan(rows.length);

      const last = run();
      expect(await last.exited).toBe(0);
      expect(fs.existsSync(path.join(p.inbox, 'done', 'YBJ-20250810.csv'))).toBe(true);

      const records = await readTopic(kafka, p.topics.caseEvents);
      expect(records.length).toBeGreaterThan(rows.length); // the re-sent copies are there
      const copies = new Map<string, Buffer>();
      for (const rec of records) {
        const { event } = decodeCaseEvent(rec.value);
        const seen = copies.get(event.eventId);
        if (seen) expect(rec.value!.equals(seen)).toBe(true);
        else copies.set(event.eventId, rec.value!);
      }
      const expected = rows.map(expectedEvent);
      expect([...copies.keys()].sort()).toEqual(expected.map((e) => e.eventId).sort());

      const worker = await startWorkerProcess({ config: p.config, logger: silentLogger(), brokers: p.brokers, topics: p.topics, port: null });
      try {
        await waitForStore(admin, p.topics.caseEvents, () => worker.store.storedOffsets(p.topics.caseEvents));
        const figures = await worker.store.figures('2025-08');
        expect(figures.total).toEqual(expectedTotals(expected));
        expect(figures.departments.map((d) => [d.departmentCode, d.departmentName])).toEqual([['YBJ', '省医保局']]);
      } finally {
        await worker.stop();
      }
    } finally {
      await admin.disconnect();
      p.cleanup();
    }
    // Each child process takes seconds to start on a loaded 2-core machine (tsx); a few are needed.
  }, 300_000);
});
