/**
 * `casepipe events publish` as a user runs it, against the real broker: what it must refuse is refused
 * by line number while the rest is published; a file in GB18030 goes in with --encoding; a missing
 * topic, an unknown --topic, an unreachable broker, a directory or a missing file end in one line
 * that says what to do. (The "within 10 s" is by construction: the reach check gives up after 8 s;
 * it is not timed here, the CLI's start-up alone takes 1-20 s on a loaded machine.)
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { tailEvents, type TailLine } from '../../services/contract/tail-events.js';
import { CASE_EVENTS } from '../../services/platform/topics.js';
import { createTopics, testBrokers, testKafka, uniqueName } from '../fixtures/broker.js';
import { freePort } from '../fixtures/free-port.js';
import { PROJECT_ROOT } from '../fixtures/test-broker-state.js';

const event = (patch: Record<string, unknown> = {}) =>
  JSON.stringify({ kind: 'RECEIVED', caseId: 'SC-1', departmentCode: 'JTYST', departmentName: '交通运输厅', channel: 'FULL_ONLINE', eventTime: '2025-08-31T16:30:00Z', sourceSystem: 'jtyst-approval', sourceRecordId: 'r1', ...patch });
const GB18030_JTYST = Buffer.from([0xbd, 0xbb, 0xcd, 0xa8, 0xd4, 0xcb, 0xca, 0xe4, 0xcc, 0xfc]); // 交通运输厅
const [beforeName, afterName] = event({ caseId: 'SC-gb', sourceRecordId: 'gb', departmentName: '@' }).split('@');
const gbLine = Buffer.concat([Buffer.from(beforeName), GB18030_JTYST, Buffer.from(afterName)]);

let kafka: Kafka;
let admin: Admin;
let dir: string;
const prefix = `${uniqueName('publish-refusals')}.`;
const topic = prefix + CASE_EVENTS;

function cli(args: string[], env: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  const fullEnv = { ...process.env, KAFKA_BROKERS: testBrokers().join(','), CASEPIPE_TOPIC_PREFIX: prefix, CASEPIPE_DATA_DIR: dir, LOG_LEVEL: 'error', ...env };
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'casepipe.js'), 'events', 'publish', ...args], { env: fullEnv, encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** One line on stderr, no stack trace. */
const oneLine = (stderr: string): string => {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  return lines[0];
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-publish-'));
  kafka = testKafka('casepipe-test-publish-refusals');
  admin = kafka.admin();
  await admin.connect();
  await createTopics(admin, [{ topic, numPartitions: 1 }]);
});

afterAll(async () => {
  await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin?.disconnect();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('events publish', () => {
  it('refuses each bad line by number, publishes the rest, and reads GB18030 with --encoding', async () => {
    const mixed = path.join(dir, 'mixed.jsonl');
    const lines = [
      Buffer.from(event()),
      Buffer.from(event({ caseId: 'SC-2', sourceRecordId: 'r2', eventTime: '2025-02-30T10:00:00Z' })),
      gbLine,
      Buffer.from(event({ caseId: 'SC-4', sourceRecordId: 'r4' }).replace('}', ',"attributes":{"__proto__":"x"}}')),
      Buffer.from(event({ caseId: 'SC-5', sourceRecordId: 'r5', attributes: { big: 'x'.repeat(1_200_000) } })),
      Buffer.from(event({ caseId: 'SC-6', sourceRecordId: 'r6' })),
    ];
    fs.writeFileSync(mixed, Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')])));
    const gbFile = path.join(dir, 'gb18030.jsonl');
    fs.writeFileSync(gbFile, gbLine);

    const [mixedRun, gbRun] = await Promise.all([cli([mixed]), cli([gbFile, '--encoding', 'gb18030'])]);
    expect(mixedRun.stderr.trim().split('\n').map((l) => l.split(': ').slice(0, 2).join(': '))).toEqual([
      `${mixed}:2: INVALID_EVENT_TIME`,
      `${mixed}:3: INVALID_ENCODING`,
      `${mixed}:4: INVALID_FIELD`,
      `${mixed}:5: LINE_TOO_LONG`,
    ]);
    expect(mixedRun.stdout).toContain('published 2 event(s)');
    expect(mixedRun.status).toBe(2);
    expect(gbRun).toMatchObject({ status: 0, stderr: '' });
    expect(gbRun.stdout).toContain('published 1 event(s)');

    const seen: TailLine[] = [];
    await tailEvents({ kafka, topic, fromBeginning: true, max: 3, onLine: (l) => seen.push(l) });
    expect(seen.map((l) => [l.event?.caseId, l.event?.departmentName]).sort()).toEqual([
      ['SC-1', '交通运输厅'],
      ['SC-6', '交通运输厅'],
      ['SC-gb', '交通运输厅'],
    ]);
  });

  it('says in one line what to do about a missing topic, an unknown --topic, an unreachable broker, a directory or a missing file', async () => {
    const file = path.join(dir, 'one.jsonl');
    fs.writeFileSync(file, `${event()}\n`);
    const closedPort = await freePort();
    const [noTopics, unknownTopic, unreachable, directory, missing] = await Promise.all([
      cli([file], { CASEPIPE_TOPIC_PREFIX: `${uniqueName('no-topics')}.` }),
      cli([file, '--topic', 'no.such.topic']),
      cli([file], { KAFKA_BROKERS: `127.0.0.1:${closedPort}` }),
      cli([dir]),
      cli([path.join(dir, 'nope.jsonl')]),
    ]);
    expect(oneLine(noTopics.stderr)).toMatch(/^casepipe: TOPIC_MISSING: topic .*casepipe\.case-events does not exist .*run `casepipe topics ensure`/);
    expect(oneLine(unknownTopic.stderr)).toMatch(/^casepipe: TOPIC_MISSING: topic no\.such\.topic does not exist .*check --topic/);
    expect(oneLine(unreachable.stderr)).toMatch(new RegExp(`^casepipe: BROKER_UNAVAILABLE: cannot reach Kafka at 127\\.0\\.0\\.1:${closedPort} .*casepipe kafka start`));
    expect(oneLine(directory.stderr)).toMatch(/^casepipe: INPUT_UNREADABLE: .* is a directory/);
    expect(oneLine(missing.stderr)).toMatch(/^casepipe: INPUT_UNREADABLE: no such file: .*nope\.jsonl/);
    for (const r of [noTopics, unknownTopic, unreachable, directory, missing]) expect(r.status).toBe(1);
  });
});
