/**
 * The documented exit codes of `casepipe`, as users run it (`node bin/casepipe.js`, a child process):
 * 1 for a bad configuration (naming the variable), 2 for `events publish` with bad lines, 3 for
 * `kafka status` when no broker runs from the data folder, 4 for topic drift.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Admin } from 'kafkajs';
import { createTopics, testBrokers, testKafka, uniqueName } from '../fixtures/broker.js';
import { runCasepipe, type CliRun } from '../../services/snapshot/testing/run-cli.js';

let dataDir: string;

/** The real CLI on this test's data folder and the test broker. */
const casepipe = (env: Record<string, string>, ...args: string[]): Promise<CliRun> =>
  runCasepipe({ KAFKA_BROKERS: testBrokers().join(','), CASEPIPE_DATA_DIR: dataDir, ...env }, args);

let admin: Admin;
const topics: string[] = [];

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-exit-codes-'));
  admin = testKafka('casepipe-test-exit-codes').admin();
  await admin.connect();
});

afterAll(async () => {
  await admin?.deleteTopics({ topics }).catch(() => undefined);
  await admin?.disconnect();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('casepipe exit codes', () => {
  it('exits 1 on a bad setting, naming the variable and what it expects, before doing anything', async () => {
    const r = await casepipe({ CASEPIPE_WORKER_PORT: 'ninety', LOG_LEVEL: 'loud' }, 'kafka', 'status');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^casepipe: CONFIG_INVALID: invalid configuration:\n/);
    expect(r.stderr).toContain('CASEPIPE_WORKER_PORT="ninety"');
    expect(r.stderr).toContain('LOG_LEVEL="loud"');
  });

  it('exits 2 from events publish when a line is bad, after publishing the good ones', async () => {
    const topic = uniqueName('exit-codes-publish');
    topics.push(topic);
    await createTopics(admin, [{ topic, numPartitions: 1 }]);
    const good = { kind: 'RECEIVED', caseId: 'SC-EXIT-1', departmentCode: 'MZT', departmentName: '民政厅', channel: 'FULL_ONLINE', eventTime: '2025-08-10T10:00:00+08:00', sourceSystem: 'mzt-approval', sourceRecordId: 'r1' };
    const file = path.join(dataDir, 'events.jsonl');
    fs.writeFileSync(file, [JSON.stringify(good), JSON.stringify({ ...good, caseId: 'SC-EXIT-2', kind: 'DELIVERED', sourceRecordId: 'r2' })].join('\n') + '\n');
    const r = await casepipe({}, 'events', 'publish', file, '--topic', topic);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(`published 1 event(s) to ${topic}; 1 bad line(s), 0 blank\n`);
    expect(r.stderr).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: MISSING_DELIVERY_METHOD: .*SC-EXIT-2`));
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.map((o) => o.high)).toEqual(['1']);
  });

  it('exits 3 from kafka status when no broker runs from the data folder', async () => {
    const r = await casepipe({}, 'kafka', 'status', '--json');
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ running: false, home: path.join(dataDir, 'kafka') });
  });

  it('exits 4 from topics ensure when a live topic differs from infra/topics.json, and changes nothing', async () => {
    const prefix = `${uniqueName('exit-codes-drift')}.`;
    topics.push(`${prefix}casepipe.case-events`, `${prefix}casepipe.case-events.dlq`);
    // Kafka's usual 7-day retention (the local broker and the test fixtures keep records forever).
    await createTopics(admin, [{ topic: `${prefix}casepipe.case-events`, numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '604800000' }] }]);
    const r = await casepipe({ CASEPIPE_TOPIC_PREFIX: prefix }, 'topics', 'ensure');
    expect(r.code).toBe(4);
    expect(r.stdout.split('\n')).toEqual([
      `created  ${prefix}casepipe.case-events.dlq`,
      `created  ${prefix}casepipe.connector-state`,
      `exists   ${prefix}casepipe.case-events`,
      `DRIFT    ${prefix}casepipe.case-events: partitions declared 12, actual 3`,
      `DRIFT    ${prefix}casepipe.case-events: retention.ms declared -1, actual 604800000`,
      '',
    ]);
    const meta = await admin.fetchTopicMetadata({ topics: [`${prefix}casepipe.case-events`] });
    expect(meta.topics[0].partitions).toHaveLength(3);
    // Nothing drifts any more once the declaration is what is live: exit 0.
    const again = await casepipe({ CASEPIPE_TOPIC_PREFIX: `${uniqueName('exit-codes-clean')}.` }, 'topics', 'ensure');
    expect(again.code).toBe(0);
    topics.push(...again.stdout.trim().split('\n').map((l) => l.replace(/^created\s+/, '')));
  });
});
