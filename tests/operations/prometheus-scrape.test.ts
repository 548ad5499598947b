/**
 * Operators scrape the worker with Prometheus: a real Prometheus (Debian's package, installed by
 * scripts/setup.sh) scrapes a running worker and answers queries on its metrics; the shipped scrape
 * config and alert rules pass promtool.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { encodeCaseEvent } from '../../services/contract/codec.js';
import { silentLogger } from '../../services/platform/logger.js';
import { startWorkerProcess } from '../../services/worker/worker-process.js';
import { testKafka } from '../fixtures/broker.js';
import { createCaseTopics, publish, testPipeline, waitForStore } from '../fixtures/pipeline.js';
import { PROJECT_ROOT } from '../fixtures/test-broker-state.js';
import { prometheusAddress } from '../fixtures/listening-address.js';

function requireBinary(name: string): string {
  const r = spawnSync('which', [name], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${name} is not installed: run scripts/setup.sh (apt-get install prometheus) to get a real Prometheus for this test`);
  return r.stdout.trim();
}


async function query(prom: string, expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`http://${prom}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  return body.status === 'success' ? body.data.result : [];
}

describe('Prometheus', () => {
  it('accepts the shipped scrape config and alert rules', () => {
    const promtool = requireBinary('promtool');
    const dir = path.join(PROJECT_ROOT, 'infra', 'prometheus');
    for (const args of [['check', 'config', 'prometheus.yml'], ['check', 'rules', 'alerts.yml']]) {
      const r = spawnSync(promtool, args, { cwd: dir, encoding: 'utf8' });
      expect({ args, status: r.status, out: r.status === 0 ? '' : r.stdout + r.stderr }).toEqual({ args, status: 0, out: '' });
    }
  });

  it('scrapes a running worker and answers queries on its metrics', async () => {
    const prometheus = requireBinary('prometheus');
    const p = testPipeline('prometheus');
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    await createCaseTopics(admin, p.topics, 2);
    const event = {
      eventId: 'e1', kind: 'RECEIVED' as const, caseId: 'SC-PROM-1', departmentCode: 'MZT', departmentName: '民政厅', itemCode: null,
      channel: 'FULL_ONLINE' as const, deliveryMethod: null, eventTime: Date.parse('2025-08-10T02:00:00Z'), sourceSystem: 'mzt', sourceRecordId: 'r1', attributes: {},
    };
    await publish(kafka, p.topics.caseEvents, [
      { key: event.caseId, value: encodeCaseEvent(event) },
      { key: 'junk', value: Buffer.from('not avro at all') },
    ]);
    const worker = await startWorkerProcess({ config: p.config, logger: silentLogger(), brokers: p.brokers, topics: p.topics, port: 0, statusIntervalMs: 1000 });
    const workerPort = Number(new URL(worker.url!).port);
    const promDir = path.join(p.dataDir, 'prometheus');
    fs.mkdirSync(promDir, { recursive: true });
    // The shipped config, pointed at this worker's port and scraping every second.
    const shipped = fs.readFileSync(path.join(PROJECT_ROOT, 'infra', 'prometheus', 'prometheus.yml'), 'utf8');
    fs.writeFileSync(
      path.join(promDir, 'prometheus.yml'),
      shipped.replace('127.0.0.1:9464', `127.0.0.1:${workerPort}`).replace('scrape_interval: 15s', 'scrape_interval: 1s').replace(/rule_files:[\s\S]*$/, ''),
    );
    let prom: ChildProcess | undefined;
    try {
      await waitForStore(admin, p.topics.caseEvents, () => worker.store.storedOffsets(p.topics.caseEvents));
      prom = spawn(prometheus, [`--config.file=${path.join(promDir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(promDir, 'data')}`, '--web.listen-address=127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
      // Port 0: Prometheus binds a free port and logs the address it got.
      const promAddress = await prometheusAddress(prom);
      const deadline = Date.now() + 60_000;
      let read: Awaited<ReturnType<typeof query>> = [];
      let dead: Awaited<ReturnType<typeof query>> = [];
      while (Date.now() < deadline) {
        read = await query(promAddress, 'sum(casepipe_records_read_total)').catch(() => []);
        dead = await query(promAddress, 'casepipe_dead_letters_total').catch(() => []);
        if (read.length > 0 && Number(read[0].value[1]) === 2 && dead.length > 0) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(read.map((r) => Number(r.value[1]))).toEqual([2]);
      expect(dead.map((r) => [r.metric.reason, Number(r.value[1])])).toEqual([['NOT_AVRO', 1]]);
      const up = await query(promAddress, 'up{job="casepipe-worker"}');
      expect(up.map((r) => Number(r.value[1]))).toEqual([1]);
      // Where the memory is: DuckDB's by tag (the applied row is in a table not yet checkpointed) and
      // the record-check thread's heap, published by the status refresh (every second here).
      let tables: Awaited<ReturnType<typeof query>> = [];
      let threadNew: Awaited<ReturnType<typeof query>> = [];
      while (Date.now() < deadline) {
        tables = await query(promAddress, 'casepipe_store_memory_bytes{tag="IN_MEMORY_TABLE"} > 0').catch(() => []);
        threadNew = await query(promAddress, 'casepipe_worker_record_check_heap_bytes{space="new_space"}').catch(() => []);
        if (tables.length > 0 && threadNew.length > 0) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(tables.length).toBe(1);
      expect(threadNew.map((r) => Number(r.value[1]) > 0 && Number(r.value[1]) <= 32 * 1024 * 1024)).toEqual([true]);
    } finally {
      prom?.kill('SIGTERM');
      await worker.stop();
      await admin.disconnect();
      p.cleanup();
    }
  });
});
