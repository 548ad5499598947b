/**
 * The local Apache Kafka broker: a single-node KRaft broker+controller started from the jars that
 * infra/kafka/pom.xml fetches from Maven Central. Used by the demo, the tests and CI on machines
 * without a Docker engine.
 *
 * Everything lives under one folder (<dataDir>/kafka): the jars, the rendered server.properties,
 * the log segments, broker.log and broker.pid. `start` is idempotent and `stop` only ever signals
 * the process whose PID we wrote and whose command line is our broker's.
 *
 * With `security`, the client listener is SASL_SSL (SCRAM-SHA-512) instead of PLAINTEXT: the broker
 * presents a PEM certificate, the SCRAM user is created when the storage is formatted, and the
 * broker's own connections use the same listener. Only the controller listener stays PLAINTEXT, on
 * 127.0.0.1. Used by the test that proves casepipe connects to a secured broker and fails closed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { CasepipeError } from '../errors.js';
import type { Logger } from '../logger.js';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const INFRA_KAFKA = path.join(PROJECT_ROOT, 'infra', 'kafka');

export interface LocalBrokerOptions {
  /** Folder for everything the broker owns (jars, data, log, pid). */
  home: string;
  port: number;
  controllerPort: number;
  logger: Logger;
  /** `java` to run; default JAVA_HOME/bin/java, else `java` on PATH. */
  javaCommand?: string;
  /** `mvn` to fetch the jars; default `mvn` on PATH. */
  mavenCommand?: string;
  /** Where the fetched jars are kept (default: home); several brokers may share one jar cache. */
  libsHome?: string;
  /** Broker JVM heap, e.g. `-Xmx1g`. */
  heapOptions?: string;
  /** How long to wait for the broker to answer. */
  startTimeoutMs?: number;
  /** A SASL_SSL (SCRAM-SHA-512) client listener instead of PLAINTEXT. */
  security?: LocalBrokerSecurity;
}

export interface LocalBrokerSecurity {
  /** PEM file holding the broker's unencrypted PKCS#8 private key and its certificate (chain). */
  keyAndCertificateFile: string;
  /** PEM file of the CA that signed the certificate. */
  caFile: string;
  /** The SCRAM-SHA-512 user created at format time (letters and digits). */
  username: string;
  password: string;
}

export interface BrokerStatus {
  running: boolean;
  pid: number | undefined;
  bootstrap: string;
  kafkaVersion: string;
  home: string;
  log: string;
}

export class LocalBroker {
  readonly home: string;
  private readonly opts: Required<Omit<LocalBrokerOptions, 'logger' | 'security'>> & { logger: Logger; security: LocalBrokerSecurity | undefined };

  constructor(options: LocalBrokerOptions) {
    this.home = path.resolve(options.home);
    this.opts = {
      ...options,
      home: this.home,
      javaCommand: options.javaCommand ?? defaultJava(),
      mavenCommand: options.mavenCommand ?? 'mvn',
      heapOptions: options.heapOptions ?? process.env.KAFKA_HEAP_OPTS ?? '-Xms256m -Xmx1g',
      startTimeoutMs: options.startTimeoutMs ?? 90_000,
      libsHome: path.resolve(options.libsHome ?? this.home),
      security: options.security,
    };
    const sec = options.security;
    if (sec && !/^[A-Za-z0-9]+$/.test(sec.username + sec.password)) {
      throw new CasepipeError('BROKER_START_FAILED', 'the local broker\'s SCRAM user name and password must be letters and digits (they are written into server.properties)');
    }
  }

  get bootstrap(): string {
    return `127.0.0.1:${this.opts.port}`;
  }

  /** The Kafka version the jars are fetched at: the one property of infra/kafka/pom.xml. */
  static kafkaVersion(): string {
    const pom = fs.readFileSync(path.join(INFRA_KAFKA, 'pom.xml'), 'utf8');
    const m = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom);
    if (!m) throw new CasepipeError('BROKER_START_FAILED', 'infra/kafka/pom.xml has no <kafka.version> property');
    return m[1];
  }

  private get paths() {
    const version = LocalBroker.kafkaVersion();
    return {
      libs: path.join(this.opts.libsHome, `libs-${version}`),
      libsDone: path.join(this.opts.libsHome, `libs-${version}`, '.complete'),
      data: path.join(this.home, 'data'),
      properties: path.join(this.home, 'server.properties'),
      pid: path.join(this.home, 'broker.pid'),
      log: path.join(this.home, 'broker.log'),
      version,
    };
  }

  async status(): Promise<BrokerStatus> {
    const p = this.paths;
    const pid = this.ourPid();
    return {
      running: pid !== undefined && (await canConnect(this.opts.port)),
      pid,
      bootstrap: this.bootstrap,
      kafkaVersion: p.version,
      home: this.home,
      log: p.log,
    };
  }

  /**
   * Starts the broker, or reuses the one already running from this folder. Resolves once the broker
   * answers a Kafka admin call. Returns whether it was started now.
   */
  async start(): Promise<{ started: boolean; pid: number; bootstrap: string }> {
    const log = this.opts.logger;
    const p = this.paths;
    fs.mkdirSync(this.home, { recursive: true });

    const running = this.ourPid();
    if (running !== undefined) {
      log.info({ pid: running, bootstrap: this.bootstrap }, 'local Kafka broker already running; reusing it');
      await this.waitUntilReady(running);
      return { started: false, pid: running, bootstrap: this.bootstrap };
    }

    for (const port of [this.opts.port, this.opts.controllerPort]) {
      if (await canConnect(port)) {
        throw new CasepipeError(
          'BROKER_PORT_TAKEN',
          `port ${port} on 127.0.0.1 is held by another process, not by the casepipe broker in ${this.home}. ` +
            `Stop that process, or choose other ports with CASEPIPE_BROKER_PORT / CASEPIPE_CONTROLLER_PORT, ` +
            `or point casepipe at an existing broker with KAFKA_BROKERS.`,
        );
      }
    }

    checkJava(this.opts.javaCommand);
    this.fetchJars();
    this.renderProperties();
    this.formatStorage();

    const out = fs.openSync(p.log, 'a');
    const args = [
      ...this.opts.heapOptions.split(/\s+/).filter(Boolean),
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${path.join(INFRA_KAFKA, 'log4j2.properties')}`,
      '-cp',
      `${p.libs}/*`,
      'kafka.Kafka',
      p.properties,
    ];
    const child = spawn(this.opts.javaCommand, args, { detached: true, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    const pid = child.pid;
    if (pid === undefined) throw new CasepipeError('BROKER_START_FAILED', `could not start ${this.opts.javaCommand}`);
    fs.writeFileSync(p.pid, `${pid}\n`);
    child.unref();
    log.info({ pid, bootstrap: this.bootstrap, kafkaVersion: p.version, log: p.log }, 'starting local Kafka broker');

    await this.waitUntilReady(pid);
    log.info({ pid, bootstrap: this.bootstrap }, 'local Kafka broker is ready');
    return { started: true, pid, bootstrap: this.bootstrap };
  }

  /** Stops the broker we started (SIGTERM, then SIGKILL after a grace period). */
  async stop(graceMs = 30_000): Promise<{ stopped: boolean; pid: number | undefined }> {
    const p = this.paths;
    const pid = this.ourPid();
    if (pid === undefined) {
      fs.rmSync(p.pid, { force: true });
      return { stopped: false, pid: undefined };
    }
    this.opts.logger.info({ pid }, 'stopping local Kafka broker');
    signal(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isAlive(pid) && Date.now() < deadline) await sleep(200);
    if (isAlive(pid)) {
      this.opts.logger.warn({ pid }, 'broker did not stop in time; killing it');
      signal(pid, 'SIGKILL');
      while (isAlive(pid)) await sleep(100);
    }
    fs.rmSync(p.pid, { force: true });
    return { stopped: true, pid };
  }

  /** The PID in broker.pid, if that process is alive and is our broker (not a recycled PID). */
  ourPid(): number | undefined {
    const p = this.paths;
    let pid: number;
    try {
      pid = Number(fs.readFileSync(p.pid, 'utf8').trim());
    } catch {
      return undefined;
    }
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      return undefined;
    }
    return cmdline.includes('kafka.Kafka') && cmdline.includes(p.properties) ? pid : undefined;
  }

  private fetchJars(): void {
    const p = this.paths;
    if (fs.existsSync(p.libsDone)) return;
    const mvn = this.opts.mavenCommand;
    if (!commandExists(mvn, ['-v'])) {
      throw new CasepipeError(
        'MAVEN_MISSING',
        `Apache Maven (${mvn}) was not found: it fetches the Kafka ${p.version} broker's jars from Maven Central once. ` +
          `Install it (Debian/Ubuntu: apt-get install maven), or set KAFKA_BROKERS to use an existing broker.`,
      );
    }
    this.opts.logger.info({ version: p.version, into: p.libs }, 'fetching Kafka broker jars with Maven (once)');
    fs.rmSync(p.libs, { recursive: true, force: true });
    const r = spawnSync(
      mvn,
      ['-q', '-B', '-f', path.join(INFRA_KAFKA, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${p.libs}`, '-DincludeScope=runtime'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    if (r.status !== 0) {
      throw new CasepipeError('BROKER_JARS_MISSING', `Maven could not fetch the Kafka ${p.version} jars:\n${(r.stdout + r.stderr).slice(-2000)}`);
    }
    fs.writeFileSync(p.libsDone, new Date().toISOString());
  }

  private renderProperties(): void {
    const p = this.paths;
    const template = fs.readFileSync(path.join(INFRA_KAFKA, 'server.properties'), 'utf8');
    const values: Record<string, string> = {
      port: String(this.opts.port),
      controllerPort: String(this.opts.controllerPort),
      logDirs: p.data,
    };
    let rendered = template.replace(/\$\{(\w+)\}/g, (_, name: string) => {
      const v = values[name];
      if (v === undefined) throw new CasepipeError('BROKER_START_FAILED', `server.properties uses unknown \${${name}}`);
      return v;
    });
    const sec = this.opts.security;
    if (sec) {
      const client = `SASL_SSL://127.0.0.1:${this.opts.port}`;
      const settings: Record<string, string> = {
        listeners: `${client},CONTROLLER://127.0.0.1:${this.opts.controllerPort}`,
        'advertised.listeners': client,
        'inter.broker.listener.name': 'SASL_SSL',
        'listener.security.protocol.map': 'SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT',
        'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
        'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
        'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="${sec.username}" password="${sec.password}";`,
        'ssl.keystore.type': 'PEM',
        'ssl.keystore.location': path.resolve(sec.keyAndCertificateFile),
        'ssl.truststore.type': 'PEM',
        'ssl.truststore.location': path.resolve(sec.caFile),
        'ssl.client.auth': 'none',
      };
      for (const [key, value] of Object.entries(settings)) rendered = setProperty(rendered, key, value);
    }
    fs.writeFileSync(p.properties, rendered, { mode: 0o600 });
  }

  /** KRaft needs its log folder formatted once with a cluster id. */
  private formatStorage(): void {
    const p = this.paths;
    if (fs.existsSync(path.join(p.data, 'meta.properties'))) return;
    // A Kafka cluster id is 16 random bytes in base64url. Like Kafka's own Uuid.randomUuid, never start
    // it with '-': the storage tool's argument parser would read it as an option (1 start in 64 failed).
    let clusterId = randomBytes(16).toString('base64url');
    while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
    const sec = this.opts.security;
    const scram = sec ? ['--add-scram', `SCRAM-SHA-512=[name=${sec.username},password=${sec.password}]`] : [];
    const r = spawnSync(
      this.opts.javaCommand,
      ['-cp', `${p.libs}/*`, `-Dlog4j2.configurationFile=${path.join(INFRA_KAFKA, 'log4j2.properties')}`, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', p.properties, ...scram],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) {
      throw new CasepipeError('BROKER_START_FAILED', `formatting the broker's storage failed:\n${(r.stdout + r.stderr).slice(-2000)}`);
    }
  }

  private async waitUntilReady(pid: number): Promise<void> {
    const p = this.paths;
    const deadline = Date.now() + this.opts.startTimeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (!isAlive(pid)) {
        throw new CasepipeError('BROKER_START_FAILED', `the Kafka broker exited during start; the end of ${p.log}:\n${tail(p.log, 3000)}`);
      }
      if (await canConnect(this.opts.port)) {
        try {
          await describeCluster(this.bootstrap, this.opts.security);
          return;
        } catch (err) {
          lastError = err;
        }
      }
      await sleep(250);
    }
    throw new CasepipeError(
      'BROKER_START_FAILED',
      `the Kafka broker (pid ${pid}) did not answer within ${this.opts.startTimeoutMs} ms (${String(lastError)}); see ${p.log}`,
    );
  }
}

/** Sets `key=value` in a properties text, replacing the key's line or adding one. */
function setProperty(text: string, key: string, value: string): string {
  const line = `${key}=${value}`;
  const re = new RegExp(`^${key.replace(/[.]/g, '\\.')}=.*$`, 'm');
  return re.test(text) ? text.replace(re, () => line) : `${text.trimEnd()}\n${line}\n`;
}

async function describeCluster(bootstrap: string, security: LocalBrokerSecurity | undefined): Promise<void> {
  const kafka = new kafkajs.Kafka({
    clientId: 'casepipe-broker-probe',
    brokers: [bootstrap],
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 2000,
    ...(security && {
      ssl: { ca: fs.readFileSync(security.caFile, 'utf8') },
      sasl: { mechanism: 'scram-sha-512', username: security.username, password: security.password },
    }),
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function defaultJava(): string {
  return process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
}

/** Java 17 or newer must be there; say what to install when it is not. */
export function checkJava(java: string): void {
  const r = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new CasepipeError(
      'JAVA_MISSING',
      `Java was not found (${java}): the local Kafka broker needs Java 17 or newer. ` +
        `Install it (Debian/Ubuntu: apt-get install openjdk-17-jre-headless) or set JAVA_HOME, or set KAFKA_BROKERS to use an existing broker.`,
    );
  }
  const m = /version "(\d+)(?:\.(\d+))?/.exec(r.stderr + r.stdout);
  const major = m ? (Number(m[1]) === 1 ? Number(m[2]) : Number(m[1])) : 0;
  if (major < 17) {
    throw new CasepipeError('JAVA_MISSING', `Java ${major || '(unknown version)'} at ${java} is too old: Kafka 4 needs Java 17 or newer.`);
  }
}

function commandExists(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

export function canConnect(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped) still answers signal 0.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return true;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

function tail(file: string, chars: number): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-chars);
  } catch {
    return '(no log)';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
