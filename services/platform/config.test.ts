import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
    expect(() => loadConfig({ KAFKA_SASL_MECHANISM: 'plain' })).toThrow(/KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD/);
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
      expect(message).toContain('CASEPIPE_ADMIN_TOKEN=[redacted]: at least 16 printable');
      expect(message).not.toContain('hunter2');
    });
  });
});
