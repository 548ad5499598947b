import path from 'node:path';
import { z } from 'zod';
import { CasepipeError } from './errors.js';

/**
 * Every setting comes from the environment, validated once at start. A bad value names the
 * variable and what it expects. Defaults run the whole pipeline on one machine.
 */
const schema = z.object({
  KAFKA_BROKERS: z
    .string()
    .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'a comma-separated list of host:port')
    .optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default('casepipe'),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  KAFKA_SSL: z.enum(['true', 'false']).default('false'),
  /** Port of the local JVM broker (infra/kafka) when no KAFKA_BROKERS is given. */
  CASEPIPE_BROKER_PORT: z.coerce.number().int().min(1).max(65535).default(19092),
  CASEPIPE_CONTROLLER_PORT: z.coerce.number().int().min(1).max(65535).default(19093),
  /** Where the local broker, the live store and the snapshots keep their files. */
  CASEPIPE_DATA_DIR: z.string().min(1).default('.data'),
  CASEPIPE_TOPIC_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]*$/, 'letters, digits, dot, dash, underscore').default(''),
  CASEPIPE_GROUP_ID: z.string().min(1).default('casepipe-worker'),
  /** How long the group waits for a worker that stopped answering (a crashed one) before moving its partitions. */
  CASEPIPE_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6000).max(300000).default(30000),
  CASEPIPE_WORKER_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  CASEPIPE_STORE_MEMORY_LIMIT: z.string().regex(/^\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)$/i, 'a size such as 512MB').default('512MB'),
  CASEPIPE_LAG_THRESHOLD: z.coerce.number().int().min(0).default(1000),
  /** No broker answering for longer than this makes /readyz answer 503. */
  CASEPIPE_BROKER_UNREACHABLE_MS: z.coerce.number().int().min(1000).max(3600000).default(30000),
  /** Members the worker's consumer group should have; more are reported (another worker with another store). */
  CASEPIPE_EXPECTED_GROUP_MEMBERS: z.coerce.number().int().min(1).max(1000).default(1),
  /** Whether the worker runs the monthly snapshot schedule (Asia/Shanghai). */
  CASEPIPE_SCHEDULE: z.enum(['on', 'off']).default('on'),
  CASEPIPE_SNAPSHOT_GRACE_DAYS: z.coerce.number().int().min(0).max(27).default(2),
  /** No month before this is ever scheduled (the month the pipeline went live). */
  CASEPIPE_FIRST_MONTH: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'YYYY-MM').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type RawConfig = z.infer<typeof schema>;

export interface Config {
  kafka: {
    /** Set when the operator names a broker; otherwise a local broker is chosen (services/platform/broker). */
    brokers: string[] | undefined;
    clientId: string;
    ssl: boolean;
    sasl: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | undefined;
  };
  broker: { port: number; controllerPort: number };
  dataDir: string;
  topicPrefix: string;
  groupId: string;
  sessionTimeoutMs: number;
  workerPort: number;
  storeMemoryLimit: string;
  lagThreshold: number;
  brokerUnreachableMs: number;
  expectedGroupMembers: number;
  schedule: { enabled: boolean; graceDays: number; firstMonth: string | undefined };
  logLevel: RawConfig['LOG_LEVEL'];
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = issue.path.join('.');
      return `${name}=${JSON.stringify(env[name] ?? '')}: ${issue.message}`;
    });
    throw new CasepipeError('CONFIG_INVALID', `invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const c = parsed.data;
  let sasl: Config['kafka']['sasl'];
  if (c.KAFKA_SASL_MECHANISM) {
    if (!c.KAFKA_SASL_USERNAME || !c.KAFKA_SASL_PASSWORD) {
      throw new CasepipeError(
        'CONFIG_INVALID',
        'invalid configuration:\n  KAFKA_SASL_MECHANISM is set, so KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required',
      );
    }
    sasl = { mechanism: c.KAFKA_SASL_MECHANISM, username: c.KAFKA_SASL_USERNAME, password: c.KAFKA_SASL_PASSWORD };
  }
  return {
    kafka: {
      brokers: c.KAFKA_BROKERS?.split(','),
      clientId: c.KAFKA_CLIENT_ID,
      ssl: c.KAFKA_SSL === 'true',
      sasl,
    },
    broker: { port: c.CASEPIPE_BROKER_PORT, controllerPort: c.CASEPIPE_CONTROLLER_PORT },
    dataDir: path.resolve(cwd, c.CASEPIPE_DATA_DIR),
    topicPrefix: c.CASEPIPE_TOPIC_PREFIX,
    groupId: c.CASEPIPE_GROUP_ID,
    sessionTimeoutMs: c.CASEPIPE_SESSION_TIMEOUT_MS,
    workerPort: c.CASEPIPE_WORKER_PORT,
    storeMemoryLimit: c.CASEPIPE_STORE_MEMORY_LIMIT,
    lagThreshold: c.CASEPIPE_LAG_THRESHOLD,
    brokerUnreachableMs: c.CASEPIPE_BROKER_UNREACHABLE_MS,
    expectedGroupMembers: c.CASEPIPE_EXPECTED_GROUP_MEMBERS,
    schedule: { enabled: c.CASEPIPE_SCHEDULE === 'on', graceDays: c.CASEPIPE_SNAPSHOT_GRACE_DAYS, firstMonth: c.CASEPIPE_FIRST_MONTH },
    logLevel: c.LOG_LEVEL,
  };
}
