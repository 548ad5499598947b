import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('runs on the defaults', () => {
    const c = loadConfig({}, '/srv/casepipe');
    expect(c.kafka.brokers).toBeUndefined();
    expect(c.broker.port).toBe(19092);
    expect(c.dataDir).toBe('/srv/casepipe/.data');
  });

  it('reads a broker list', () => {
    expect(loadConfig({ KAFKA_BROKERS: 'a:9092,b:9093' }).kafka.brokers).toEqual(['a:9092', 'b:9093']);
  });

  it('names the variable and what it expects', () => {
    expect(() => loadConfig({ KAFKA_BROKERS: 'localhost', CASEPIPE_BROKER_PORT: 'abc' })).toThrow(
      /KAFKA_BROKERS="localhost": a comma-separated list of host:port[\s\S]*CASEPIPE_BROKER_PORT="abc"/,
    );
  });

  it('asks for the SASL credentials the mechanism needs', () => {
    expect(() => loadConfig({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SSL: 'true' })).toThrow(/KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/);
  });
});

describe('loadConfig refuses what it cannot mean', () => {
  it.each([
    ['CASEPIPE_WORKER_PORT', ''],
    ['CASEPIPE_WORKER_PORT', '   '],
    ['CASEPIPE_WORKER_PORT', '0x10'],
    ['CASEPIPE_WORKER_PORT', '1e3'],
    ['CASEPIPE_WORKER_PORT', '+9464'],
    ['CASEPIPE_WORKER_PORT', '9464.0'],
    ['CASEPIPE_WORKER_PORT', ' 9464'],
    ['CASEPIPE_WORKER_PORT', '70000'],
    ['CASEPIPE_BROKER_PORT', '0'],
    ['CASEPIPE_LAG_THRESHOLD', '-1'],
    ['CASEPIPE_SESSION_TIMEOUT_MS', 'Infinity'],
    ['CASEPIPE_SNAPSHOT_GRACE_DAYS', '0b11'],
    ['CASEPIPE_STORE_MEMORY_LIMIT', '0MB'],
    ['CASEPIPE_STORE_MEMORY_LIMIT', '0.0GB'],
    ['CASEPIPE_STORE_MEMORY_LIMIT', 'MB'],
    ['CASEPIPE_APPLY_MEMORY_LIMIT', '256'],
    ['CASEPIPE_CHECKPOINT_THRESHOLD', '0MB'],
    ['KAFKA_BROKERS', ''],
    ['CASEPIPE_DATA_DIR', ''],
    ['CASEPIPE_SCHEDULE', ''],
    ['LOG_LEVEL', ''],
  ])('%s=%j', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}="${value.replace(/[+.]/g, '\\$&')}": `));
  });

  it('takes plain decimal numbers and sizes above zero', () => {
    const c = loadConfig({ CASEPIPE_WORKER_PORT: '0', CASEPIPE_LAG_THRESHOLD: '0', CASEPIPE_STORE_MEMORY_LIMIT: '1.5GB', CASEPIPE_APPLY_MEMORY_LIMIT: '128MB', CASEPIPE_CHECKPOINT_THRESHOLD: '64MiB' });
    expect([c.workerPort, c.lagThreshold, c.storeMemoryLimit, c.applyMemoryLimit, c.checkpointThreshold]).toEqual([0, 0, '1.5GB', '128MB', '64MiB']);
  });

  it('says an empty value should be unset', () => {
    expect(() => loadConfig({ CASEPIPE_WORKER_PORT: '' })).toThrow(/CASEPIPE_WORKER_PORT="": set but empty; unset it to use the default/);
  });

  it('never repeats a secret in its message', () => {
    expect(() => loadConfig({ KAFKA_SASL_PASSWORD: 'hunter2', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_MECHANISM: 'md5' })).toThrow(/KAFKA_SASL_MECHANISM="md5"/);
    try {
      loadConfig({ KAFKA_SSL: 'true', KAFKA_SSL_KEY_PASSWORD: ' ' });
    } catch (err) {
      expect(String(err)).toContain('KAFKA_SSL_KEY_PASSWORD=(hidden)');
    }
    expect.assertions(2);
  });
});

describe('loadConfig for a secured broker', () => {
  const sasl = { KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'casepipe', KAFKA_SASL_PASSWORD: 'hunter2' };
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-config-'));
    for (const f of ['ca.pem', 'client.pem', 'client.key']) fs.writeFileSync(path.join(dir, f), `-----BEGIN ${f}-----\n`);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('refuses SASL without TLS, naming both ways out', () => {
    expect(() => loadConfig(sasl)).toThrow(/KAFKA_SSL is not true: the password would cross the network unencrypted[\s\S]*KAFKA_SASL_ALLOW_PLAINTEXT=true/);
  });

  it('takes SASL without TLS when the operator asks for it by name', () => {
    expect(loadConfig({ ...sasl, KAFKA_SASL_ALLOW_PLAINTEXT: 'true' }).kafka).toMatchObject({ ssl: false, sasl: { mechanism: 'scram-sha-512', username: 'casepipe' } });
  });

  it('reads the CA file and the client certificate and key for TLS', () => {
    const c = loadConfig({
      ...sasl,
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: path.join(dir, 'ca.pem'),
      KAFKA_SSL_CERT_FILE: path.join(dir, 'client.pem'),
      KAFKA_SSL_KEY_FILE: path.join(dir, 'client.key'),
    });
    expect(c.kafka.ssl).toEqual({ ca: '-----BEGIN ca.pem-----\n', cert: '-----BEGIN client.pem-----\n', key: '-----BEGIN client.key-----\n' });
    expect(loadConfig({ KAFKA_SSL: 'true' }).kafka.ssl).toEqual({});
  });

  it('refuses a missing CA file, TLS files without TLS, and a certificate without its key', () => {
    expect(() => loadConfig({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: path.join(dir, 'nope.pem') })).toThrow(/KAFKA_SSL_CA_FILE=".*nope.pem": a readable file/);
    expect(() => loadConfig({ KAFKA_SSL_CA_FILE: path.join(dir, 'ca.pem') })).toThrow(/KAFKA_SSL_CA_FILE set but KAFKA_SSL is not true/);
    expect(() => loadConfig({ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: path.join(dir, 'client.pem') })).toThrow(/KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together/);
  });

  describe('the admin port', () => {
    const TOKEN = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

    it('binds to loopback with no token and no other host names by default', () => {
      expect(loadConfig({}).admin).toEqual({ host: '127.0.0.1', allowedHosts: [], token: undefined });
      expect(loadConfig({ CASEPIPE_WORKER_HOST: '0.0.0.0', CASEPIPE_ADMIN_ALLOWED_HOSTS: 'Worker,casepipe.internal' }).admin).toMatchObject({
        host: '0.0.0.0',
        allowedHosts: ['worker', 'casepipe.internal'],
      });
      expect(() => loadConfig({ CASEPIPE_WORKER_HOST: 'http://0.0.0.0' })).toThrow(/CASEPIPE_WORKER_HOST="http:\/\/0.0.0.0": an IP address or host name/);
    });

    it('takes the token from the environment or from a file, never both', () => {
      expect(loadConfig({ CASEPIPE_ADMIN_TOKEN: TOKEN }).admin.token).toBe(TOKEN);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-token-'));
      try {
        fs.writeFileSync(path.join(dir, 'token'), `${TOKEN}\n`);
        expect(loadConfig({ CASEPIPE_ADMIN_TOKEN_FILE: 'token' }, dir).admin.token).toBe(TOKEN);
        expect(() => loadConfig({ CASEPIPE_ADMIN_TOKEN_FILE: 'token', CASEPIPE_ADMIN_TOKEN: TOKEN }, dir)).toThrow(/not both/);
        expect(() => loadConfig({ CASEPIPE_ADMIN_TOKEN_FILE: 'missing' }, dir)).toThrow(/CASEPIPE_ADMIN_TOKEN_FILE="missing": cannot read it \(ENOENT\)/);
        fs.writeFileSync(path.join(dir, 'short'), 'secret\n');
        expect(() => loadConfig({ CASEPIPE_ADMIN_TOKEN_FILE: 'short' }, dir)).toThrow(/at least 16 printable/);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('refuses a weak token without repeating it', () => {
      let message = '';
      try {
        loadConfig({ CASEPIPE_ADMIN_TOKEN: 'hunter2 hunter2' });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toContain('CASEPIPE_ADMIN_TOKEN=(hidden): at least 16 printable');
      expect(message).not.toContain('hunter2');
    });
  });
});
