import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CasepipeError } from './errors.js';

/**
 * Every setting comes from the environment, validated once at start. A bad value names the
 * variable and what it expects (never a secret's value). Defaults run the whole pipeline on one
 * machine. A variable that is set must mean something: an empty value is refused (unset it to get
 * the default), numbers are plain decimal (no `0x10`, `1e3`, blanks or signs), sizes are above zero.
 */
const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|[0-9A-Fa-f:]+)$/;
const ADMIN_TOKEN = /^[\x21-\x7e]{16,}$/;
const ADMIN_TOKEN_RULE = 'at least 16 printable ASCII characters without spaces (e.g. `openssl rand -hex 32`)';

/** A plain decimal whole number within [min, max]. */
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^(0|[1-9]\d*)$/, `a whole number from ${min} to ${max}, in plain decimal digits`)
    .transform(Number)
    .pipe(z.number().min(min, `at least ${min}`).max(max, `at most ${max}`));

const SIZE_RE = /^(\d+(?:\.\d+)?)\s*(KB|MB|GB|KiB|MiB|GiB)$/i;

/** A DuckDB memory size such as 512MB. */
const memorySize = (fallback: string) =>
  z
    .string()
    .refine((v) => SIZE_RE.test(v) && Number(SIZE_RE.exec(v)![1]) > 0, 'a size above zero such as 512MB')
    .default(fallback);

/** A readable file, for the TLS settings. */
const readableFile = z.string().refine((file) => {
  try {
    fs.accessSync(file, fs.constants.R_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}, 'a readable file (PEM)');

/** Variables whose values never appear in an error message. */
const SECRET_VARIABLES = new Set(['KAFKA_SASL_PASSWORD', 'KAFKA_SSL_KEY_PASSWORD', 'CASEPIPE_ADMIN_TOKEN']);

const schema = z.object({
  KAFKA_BROKERS: z
    .string()
    .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'a comma-separated list of host:port')
    .optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default('casepipe'),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  /** Sending a SASL password without TLS must be asked for by name (a broker on a trusted network). */
  KAFKA_SASL_ALLOW_PLAINTEXT: z.enum(['true', 'false']).default('false'),
  KAFKA_SSL: z.enum(['true', 'false']).default('false'),
  /** PEM file of the CA(s) that signed the broker's certificate (instead of the system's CAs). */
  KAFKA_SSL_CA_FILE: readableFile.optional(),
  /** PEM client certificate and key, for brokers that ask for one (mutual TLS). */
  KAFKA_SSL_CERT_FILE: readableFile.optional(),
  KAFKA_SSL_KEY_FILE: readableFile.optional(),
  KAFKA_SSL_KEY_PASSWORD: z.string().optional(),
  /** Port of the local JVM broker (infra/kafka) when no KAFKA_BROKERS is given. */
  CASEPIPE_BROKER_PORT: wholeNumber(1, 65535).default(19092),
  CASEPIPE_CONTROLLER_PORT: wholeNumber(1, 65535).default(19093),
  /** Where the local broker, the live store and the snapshots keep their files. */
  CASEPIPE_DATA_DIR: z.string().min(1).default('.data'),
  /** Accept topics with fewer replicas than infra/topics.json declares on a cluster that is not on loopback. */
  CASEPIPE_ALLOW_FEWER_REPLICAS: z.enum(['true', 'false']).default('false'),
  CASEPIPE_TOPIC_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]*$/, 'letters, digits, dot, dash, underscore').default(''),
  CASEPIPE_GROUP_ID: z.string().min(1).default('casepipe-worker'),
  /** How long the group waits for a worker that stopped answering (a crashed one) before moving its partitions. */
  CASEPIPE_SESSION_TIMEOUT_MS: wholeNumber(6000, 300000).default(30000),
  /** Where the worker decodes, validates and prepares batches: a thread beside its own (faster, ~45-65 MiB more at the peak) or its own thread. */
  CASEPIPE_RECORD_CHECK: z.enum(['thread', 'inline']).default('thread'),
  /** 0 asks the system for any free port (tests). */
  CASEPIPE_WORKER_PORT: wholeNumber(0, 65535).default(9464),
  /** The admin port's bind address: loopback unless the worker must be reached from elsewhere (a container). */
  CASEPIPE_WORKER_HOST: z.string().regex(HOST, 'an IP address or host name such as 127.0.0.1 or 0.0.0.0').default('127.0.0.1'),
  /** Host names (besides the bind address and localhost) that requests to the admin port may be addressed to. */
  CASEPIPE_ADMIN_ALLOWED_HOSTS: z.string().regex(/^[^,\s]+(,[^,\s]+)*$/, 'a comma-separated list of host names').optional(),
  /** The token for the admin port's state-changing routes (POST /snapshots), or a file holding it. */
  CASEPIPE_ADMIN_TOKEN: z.string().regex(ADMIN_TOKEN, ADMIN_TOKEN_RULE).optional(),
  CASEPIPE_ADMIN_TOKEN_FILE: z.string().min(1).optional(),
  CASEPIPE_STORE_MEMORY_LIMIT: memorySize('512MB'),
  /** The live store's DuckDB memory_limit while the worker applies batches (CASEPIPE_STORE_MEMORY_LIMIT while it exports a month). 96MB: with 32MB checkpoints the pool holds little more than the rows since the last one; at 10M events 96MB against 128MB: 531-576 against 599 MiB peak RSS at the same speed, 64MB 514 MiB for ~10% fewer records/s (docs/hot-path-bench.md, "Checkpoints without DuckDB's vacuum"). */
  CASEPIPE_APPLY_MEMORY_LIMIT: memorySize('96MB'),
  /** WAL size past which the live store checkpoints (after the batch that crossed it): the rows not yet checkpointed stay in DuckDB's pool (spilling past it) and are replayed after a crash, so this bounds both. 32MB: a checkpoint costs per row it writes (DuckDB's vacuum is off), so small ones cost no more in total (docs/live-store.md, "Memory"). */
  CASEPIPE_CHECKPOINT_THRESHOLD: memorySize('32MB'),
  CASEPIPE_LAG_THRESHOLD: wholeNumber(0, Number.MAX_SAFE_INTEGER).default(1000),
  /** No broker answering for longer than this makes /readyz answer 503. */
  CASEPIPE_BROKER_UNREACHABLE_MS: wholeNumber(1000, 3600000).default(30000),
  /** Members the worker's consumer group should have; more are reported (another worker with another store). */
  CASEPIPE_EXPECTED_GROUP_MEMBERS: wholeNumber(1, 1000).default(1),
  /** Whether the worker runs the monthly snapshot schedule (Asia/Shanghai). */
  CASEPIPE_SCHEDULE: z.enum(['on', 'off']).default('on'),
  CASEPIPE_SNAPSHOT_GRACE_DAYS: wholeNumber(0, 27).default(2),
  /** No month before this is ever scheduled (the month the pipeline went live). */
  CASEPIPE_FIRST_MONTH: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM').optional(),
  /**
   * Scale-out (docs/scale-out.md): the folder every worker and the scheduler share; set, each worker
   * exports its partitions' months there and registers itself for `casepipe figures` / `status`.
   */
  CASEPIPE_EXPORTS_DIR: z.string().min(1).optional(),
  /** Who runs the snapshot schedule: the worker (one worker) or `casepipe scheduler` (several). */
  CASEPIPE_SCHEDULER: z.enum(['worker', 'external']).default('worker'),
  /** This worker's name in the exports folder (default host-pid). */
  CASEPIPE_WORKER_ID: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (up to 64)').optional(),
  /** The department registry: one declared file per department (pipelines/departments/<code>.yaml). */
  CASEPIPE_DEPARTMENTS_DIR: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export const DEFAULT_DEPARTMENTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../pipelines/departments');

export type RawConfig = z.infer<typeof schema>;

export interface Config {
  kafka: {
    /** Set when the operator names a broker; otherwise a local broker is chosen (services/platform/broker). */
    brokers: string[] | undefined;
    clientId: string;
    /** false, or TLS options for kafkajs (tls.connect): the CA and client certificate when given. */
    ssl: false | { ca?: string; cert?: string; key?: string; passphrase?: string };
    sasl: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | undefined;
  };
  broker: { port: number; controllerPort: number };
  dataDir: string;
  topicPrefix: string;
  allowFewerReplicas: boolean;
  groupId: string;
  sessionTimeoutMs: number;
  recordCheck: 'thread' | 'inline';
  workerPort: number;
  admin: {
    /** Bind address of the admin port. */
    host: string;
    /** Host names requests may name besides the bind address and localhost (DNS rebinding guard). */
    allowedHosts: string[];
    /** Bearer token for state-changing routes; undefined: those routes are refused. */
    token: string | undefined;
  };
  storeMemoryLimit: string;
  /** The live store's memory limit while batches are applied (storeMemoryLimit during a month export). */
  applyMemoryLimit: string;
  /** WAL size past which the live store checkpoints. */
  checkpointThreshold: string;
  lagThreshold: number;
  brokerUnreachableMs: number;
  expectedGroupMembers: number;
  schedule: { enabled: boolean; graceDays: number; firstMonth: string | undefined };
  departmentsDir: string;
  scaleOut: { exportsDir: string | undefined; scheduler: 'worker' | 'external'; workerId: string };
  logLevel: RawConfig['LOG_LEVEL'];
}

const invalid = (lines: string[]): CasepipeError => new CasepipeError('CONFIG_INVALID', `invalid configuration:\n  ${lines.join('\n  ')}`);

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const shown = (name: string): string => (SECRET_VARIABLES.has(name) ? '(hidden)' : JSON.stringify(env[name] ?? ''));
  const blank = Object.keys(schema.shape).filter((name) => env[name] !== undefined && env[name]!.trim() === '');
  if (blank.length > 0) {
    throw invalid(blank.map((name) => `${name}=${shown(name)}: set but empty; unset it to use the default`));
  }
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw invalid(parsed.error.issues.map((issue) => `${issue.path.join('.')}=${shown(issue.path.join('.'))}: ${issue.message}`));
  }
  const c = parsed.data;
  const tlsOn = c.KAFKA_SSL === 'true';
  let sasl: Config['kafka']['sasl'];
  if (c.KAFKA_SASL_MECHANISM) {
    if (!c.KAFKA_SASL_USERNAME || !c.KAFKA_SASL_PASSWORD) {
      throw invalid(['KAFKA_SASL_MECHANISM is set, so KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required']);
    }
    if (!tlsOn && c.KAFKA_SASL_ALLOW_PLAINTEXT !== 'true') {
      throw invalid([
        'KAFKA_SASL_MECHANISM is set but KAFKA_SSL is not true: the password would cross the network unencrypted. ' +
          'Set KAFKA_SSL=true (and KAFKA_SSL_CA_FILE for a private CA), or KAFKA_SASL_ALLOW_PLAINTEXT=true if the network is trusted',
      ]);
    }
    sasl = { mechanism: c.KAFKA_SASL_MECHANISM, username: c.KAFKA_SASL_USERNAME, password: c.KAFKA_SASL_PASSWORD };
  }
  const tlsFiles = (['KAFKA_SSL_CA_FILE', 'KAFKA_SSL_CERT_FILE', 'KAFKA_SSL_KEY_FILE', 'KAFKA_SSL_KEY_PASSWORD'] as const).filter((name) => c[name] !== undefined);
  if (!tlsOn && tlsFiles.length > 0) throw invalid([`${tlsFiles.join(', ')} set but KAFKA_SSL is not true`]);
  if ((c.KAFKA_SSL_CERT_FILE === undefined) !== (c.KAFKA_SSL_KEY_FILE === undefined)) {
    throw invalid(['KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together (a client certificate and its key)']);
  }
  let ssl: Config['kafka']['ssl'] = false;
  if (tlsOn) {
    const read = (file: string | undefined): string | undefined => (file === undefined ? undefined : fs.readFileSync(file, 'utf8'));
    ssl = { ca: read(c.KAFKA_SSL_CA_FILE), cert: read(c.KAFKA_SSL_CERT_FILE), key: read(c.KAFKA_SSL_KEY_FILE), passphrase: c.KAFKA_SSL_KEY_PASSWORD };
    for (const k of Object.keys(ssl) as (keyof typeof ssl)[]) if (ssl[k] === undefined) delete ssl[k];
  }
  return {
    kafka: {
      brokers: c.KAFKA_BROKERS?.split(','),
      clientId: c.KAFKA_CLIENT_ID,
      ssl,
      sasl,
    },
    broker: { port: c.CASEPIPE_BROKER_PORT, controllerPort: c.CASEPIPE_CONTROLLER_PORT },
    dataDir: path.resolve(cwd, c.CASEPIPE_DATA_DIR),
    topicPrefix: c.CASEPIPE_TOPIC_PREFIX,
    allowFewerReplicas: c.CASEPIPE_ALLOW_FEWER_REPLICAS === 'true',
    groupId: c.CASEPIPE_GROUP_ID,
    sessionTimeoutMs: c.CASEPIPE_SESSION_TIMEOUT_MS,
    recordCheck: c.CASEPIPE_RECORD_CHECK,
    workerPort: c.CASEPIPE_WORKER_PORT,
    admin: {
      host: c.CASEPIPE_WORKER_HOST,
      allowedHosts: c.CASEPIPE_ADMIN_ALLOWED_HOSTS?.split(',').map((h) => h.toLowerCase()) ?? [],
      token: adminToken(c.CASEPIPE_ADMIN_TOKEN, c.CASEPIPE_ADMIN_TOKEN_FILE, cwd),
    },
    storeMemoryLimit: c.CASEPIPE_STORE_MEMORY_LIMIT,
    applyMemoryLimit: c.CASEPIPE_APPLY_MEMORY_LIMIT,
    checkpointThreshold: c.CASEPIPE_CHECKPOINT_THRESHOLD,
    lagThreshold: c.CASEPIPE_LAG_THRESHOLD,
    brokerUnreachableMs: c.CASEPIPE_BROKER_UNREACHABLE_MS,
    expectedGroupMembers: c.CASEPIPE_EXPECTED_GROUP_MEMBERS,
    schedule: { enabled: c.CASEPIPE_SCHEDULE === 'on', graceDays: c.CASEPIPE_SNAPSHOT_GRACE_DAYS, firstMonth: c.CASEPIPE_FIRST_MONTH },
    departmentsDir: c.CASEPIPE_DEPARTMENTS_DIR ? path.resolve(cwd, c.CASEPIPE_DEPARTMENTS_DIR) : DEFAULT_DEPARTMENTS_DIR,
    scaleOut: {
      exportsDir: c.CASEPIPE_EXPORTS_DIR ? path.resolve(cwd, c.CASEPIPE_EXPORTS_DIR) : undefined,
      scheduler: c.CASEPIPE_SCHEDULER,
      workerId: c.CASEPIPE_WORKER_ID ?? `${os.hostname().replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 40)}-${process.pid}`,
    },
    logLevel: c.LOG_LEVEL,
  };
}

/** CASEPIPE_ADMIN_TOKEN, or the content of CASEPIPE_ADMIN_TOKEN_FILE (a mounted secret; one trailing newline ignored); not both. */
function adminToken(value: string | undefined, file: string | undefined, cwd: string): string | undefined {
  const invalid = (line: string) => new CasepipeError('CONFIG_INVALID', `invalid configuration:\n  ${line}`);
  if (file === undefined) return value;
  if (value !== undefined) throw invalid('set CASEPIPE_ADMIN_TOKEN or CASEPIPE_ADMIN_TOKEN_FILE, not both');
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(cwd, file), 'utf8');
  } catch (err) {
    throw invalid(`CASEPIPE_ADMIN_TOKEN_FILE=${JSON.stringify(file)}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const token = text.replace(/\r?\n$/, '');
  if (!ADMIN_TOKEN.test(token)) throw invalid(`CASEPIPE_ADMIN_TOKEN_FILE=${JSON.stringify(file)}: the token must be ${ADMIN_TOKEN_RULE}`);
  return token;
}
