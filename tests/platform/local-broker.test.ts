/**
 * The local JVM broker's lifecycle, on its own ports and folder so the shared test broker is untouched.
 * Reuses the shared jar cache, so no download happens here.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { LocalBroker } from '../../services/platform/broker/local-broker.js';
import { loadConfig } from '../../services/platform/config.js';
import { silentLogger } from '../../services/platform/logger.js';
import { testBrokers } from '../fixtures/broker.js';
import { freePort } from '../fixtures/free-port.js';

const config = loadConfig();
const libsHome = path.join(config.dataDir, 'kafka');

function javaProcessesFor(home: string): number[] {
  const out = spawnSync('pgrep', ['-f', `kafka.Kafka ${home}`], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter(Boolean).map(Number);
}


describe('local Kafka broker', () => {
  let home: string;
  beforeAll(() => {
    testBrokers(); // the shared fixture fetched the jars; fail clearly if it could not
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-broker-'));
  });
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  it('starts once, reuses on a second start, and leaves no process after stop', async () => {
    const broker = new LocalBroker({ home, libsHome, port: await freePort(), controllerPort: await freePort(), logger: silentLogger() });
    const first = await broker.start();
    try {
      expect(first.started).toBe(true);
      const second = await broker.start();
      expect(second.started).toBe(false);
      expect(second.pid).toBe(first.pid);
      expect(javaProcessesFor(path.join(home, 'server.properties'))).toEqual([first.pid]);
      expect((await broker.status()).running).toBe(true);
    } finally {
      await broker.stop();
    }
    expect(javaProcessesFor(path.join(home, 'server.properties'))).toEqual([]);
    expect((await broker.status()).running).toBe(false);
    expect(await broker.stop()).toEqual({ stopped: false, pid: undefined });
  });

  it('refuses a port held by a plain TCP listener with a clear error', async () => {
    const squatter = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', () => r()));
    const port = (squatter.address() as net.AddressInfo).port;
    try {
      const broker = new LocalBroker({ home, libsHome, port, controllerPort: await freePort(), logger: silentLogger(), startTimeoutMs: 5000 });
      await expect(broker.start()).rejects.toMatchObject({
        code: 'BROKER_PORT_TAKEN',
        message: expect.stringContaining(`port ${port}`),
      });
    } finally {
      squatter.close();
    }
  });

  it('names Java when it is missing', async () => {
    const broker = new LocalBroker({ home, libsHome, port: await freePort(), controllerPort: await freePort(), logger: silentLogger(), javaCommand: '/nonexistent/bin/java' });
    await expect(broker.start()).rejects.toMatchObject({ code: 'JAVA_MISSING', message: expect.stringContaining('Java 17') });
  });

  it('names Maven when the jars must be fetched and it is missing', async () => {
    const emptyCache = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-jars-'));
    const broker = new LocalBroker({
      home, libsHome: emptyCache, port: await freePort(), controllerPort: await freePort(), logger: silentLogger(), mavenCommand: '/nonexistent/bin/mvn',
    });
    try {
      await expect(broker.start()).rejects.toMatchObject({ code: 'MAVEN_MISSING', message: expect.stringContaining('apt-get install maven') });
    } finally {
      fs.rmSync(emptyCache, { recursive: true, force: true });
    }
  });
});
