/**
 * A secured broker, proven: the local broker with a SASL_SSL listener (SCRAM-SHA-512) and a CA made
 * here with openssl, on its own ports and folder (the shared test broker is not touched). casepipe
 * connects with the right CA and password, and fails closed, with a clear error and without
 * retrying, given a wrong CA or a wrong password. One broker start serves every case.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { decodeCaseEvent, encodeCaseEvent } from '../../services/contract/codec.js';
import { sampleEvent } from '../../services/contract/test-events.js';
import { LocalBroker } from '../../services/platform/broker/local-broker.js';
import { loadConfig } from '../../services/platform/config.js';
import { checkBrokerCredentials, createKafka } from '../../services/platform/kafka-client.js';
import { createLogger, silentLogger } from '../../services/platform/logger.js';
import { CASE_EVENTS, declaredTopics, ensureTopics } from '../../services/platform/topics.js';
import { testBrokers, uniqueName } from '../fixtures/broker.js';
import { freePort } from '../fixtures/free-port.js';

const USER = 'casepipe';
const PASSWORD = randomBytes(12).toString('hex');
let home: string;
let broker: LocalBroker;
const file = (name: string) => path.join(home, name);

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: home, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA, a broker certificate it signs for 127.0.0.1, and a second CA that signed nothing. */
function makeCertificates(): void {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=casepipe test CA');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'broker.key', '-out', 'broker.csr', '-subj', '/CN=127.0.0.1');
  fs.writeFileSync(file('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('x509', '-req', '-in', 'broker.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'broker.pem', '-days', '2', '-extfile', 'san.ext');
  fs.writeFileSync(file('broker-keystore.pem'), fs.readFileSync(file('broker.key'), 'utf8') + fs.readFileSync(file('broker.pem'), 'utf8'));
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other-ca.key', '-out', 'other-ca.pem', '-days', '2', '-subj', '/CN=some other CA');
}

function secureConfig(overrides: Record<string, string> = {}) {
  return loadConfig({
    KAFKA_BROKERS: broker.bootstrap,
    KAFKA_SSL: 'true',
    KAFKA_SSL_CA_FILE: file('ca.pem'),
    KAFKA_SASL_MECHANISM: 'scram-sha-512',
    KAFKA_SASL_USERNAME: USER,
    KAFKA_SASL_PASSWORD: PASSWORD,
    ...overrides,
  });
}

function capture() {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'debug' }, new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) })) };
}

beforeAll(async () => {
  testBrokers(); // the shared fixture fetched the jars; fail clearly if it could not
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-secured-broker-'));
  makeCertificates();
  broker = new LocalBroker({
    home: file('kafka'),
    libsHome: path.join(loadConfig().dataDir, 'kafka'),
    port: await freePort(),
    controllerPort: await freePort(),
    logger: silentLogger(),
    security: { keyAndCertificateFile: file('broker-keystore.pem'), caFile: file('ca.pem'), username: USER, password: PASSWORD },
  });
  await broker.start();
}, 240_000);

afterAll(async () => {
  await broker?.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

describe('a SASL_SSL broker', () => {
  it('takes casepipe with the right CA and password: topics are created and a case event goes round', async () => {
    const config = secureConfig();
    const { lines, logger } = capture();
    await checkBrokerCredentials(config, [broker.bootstrap], logger);
    const kafka = createKafka(config, [broker.bootstrap], logger);
    const admin = kafka.admin();
    await admin.connect();
    const prefix = `${uniqueName('secured')}.`;
    const topic = prefix + CASE_EVENTS;
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    const consumer = kafka.consumer({ groupId: uniqueName('secured-group') });
    try {
      expect((await ensureTopics(admin, declaredTopics(prefix))).created).toContain(topic);
      const event = sampleEvent('RECEIVED');
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: [{ key: event.caseId, value: encodeCaseEvent(event) }] });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const got = await new Promise<Buffer>((resolve, reject) => {
        consumer.run({ eachMessage: async ({ message }) => resolve(message.value!) }).catch(reject);
      });
      expect(decodeCaseEvent(got).event).toEqual(event);
      expect(lines.join('')).not.toContain(PASSWORD);
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.disconnect();
    }
  });

  it('fails closed on a wrong password: BROKER_AUTH_FAILED, one attempt, the password not repeated', async () => {
    const config = secureConfig({ KAFKA_SASL_PASSWORD: 'not-the-password' });
    const { lines, logger } = capture();
    const err = await checkBrokerCredentials(config, [broker.bootstrap], logger).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'BROKER_AUTH_FAILED', canRetry: false, message: expect.stringContaining(`user "${USER}"`) });
    expect(String((err as Error).message)).not.toContain('not-the-password');

    // The kafkajs client on its own does not retry a refused login either.
    const admin = createKafka(config, [broker.bootstrap], logger).admin();
    await expect(admin.connect()).rejects.toMatchObject({ name: 'KafkaJSSASLAuthenticationError' });
    await admin.disconnect();
    // One login answered, no second try.
    expect(lines.filter((l) => l.includes('Response SaslAuthenticate')).length).toBe(1);
    expect(lines.join('')).not.toContain('not-the-password');
  });

  it('fails closed on a CA that did not sign the broker certificate: BROKER_TLS_FAILED, before kafkajs can retry', async () => {
    const config = secureConfig({ KAFKA_SSL_CA_FILE: file('other-ca.pem') });
    await expect(checkBrokerCredentials(config, [broker.bootstrap], silentLogger())).rejects.toMatchObject({
      code: 'BROKER_TLS_FAILED',
      canRetry: false,
      message: expect.stringMatching(/certificate is not trusted by the CA in KAFKA_SSL_CA_FILE/),
    });
    // The system's CAs do not know the test CA either.
    await expect(checkBrokerCredentials(loadConfig({ KAFKA_BROKERS: broker.bootstrap, KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: USER, KAFKA_SASL_PASSWORD: PASSWORD }), [broker.bootstrap], silentLogger())).rejects.toMatchObject({
      code: 'BROKER_TLS_FAILED',
      message: expect.stringContaining("the system's CAs"),
    });
  });
});
