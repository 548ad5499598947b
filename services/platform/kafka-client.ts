import { createRequire } from 'node:module';
import net from 'node:net';
import tls from 'node:tls';
import { Kafka, Partitioners, logLevel as KafkaLogLevel, type KafkaConfig, type Producer, type ProducerConfig, type logCreator } from 'kafkajs';
import { CasepipeError } from './errors.js';
import { installRecordBatchDecoder } from './kafka-record-batch.js';
import type { Logger } from './logger.js';
import type { Config } from './config.js';

/**
 * Messages of the Kafka protocol errors kafkajs retries by itself (leader elections, a coordinator
 * loading, a group rebalancing, a topic just created): normal while a broker or a group starts up.
 * kafkajs' log entries carry only the message, so this is the one place that matches on it.
 */
const RETRIABLE_PROTOCOL_ERRORS: ReadonlySet<string> = new Set(
  (createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as { errorCodes: { message: string; retriable: boolean }[] }).errorCodes
    .filter((e) => e.retriable)
    .map((e) => e.message),
);

/**
 * Routes kafkajs' own log lines into pino, at the matching level, under `component: kafkajs`. A
 * retriable protocol error is logged at debug: kafkajs retries it, and if retrying runs out the
 * failure reaches our code and is logged there.
 */
export function kafkaLogCreator(logger: Logger): logCreator {
  const child = logger.child({ component: 'kafkajs' });
  return () =>
    ({ level, log }) => {
      const { message, ...extra } = log;
      const transient = typeof extra.error === 'string' && RETRIABLE_PROTOCOL_ERRORS.has(extra.error);
      switch (transient ? KafkaLogLevel.DEBUG : level) {
        case KafkaLogLevel.ERROR:
          child.error(extra, message);
          break;
        case KafkaLogLevel.WARN:
          child.warn(extra, message);
          break;
        case KafkaLogLevel.INFO:
          child.info(extra, message);
          break;
        default:
          child.debug(extra, message);
      }
    };
}

/** kafkajs with casepipe's producer defaults, set where every producer is made. */
class CasepipeKafka extends Kafka {
  override producer(config: ProducerConfig = {}): Producer {
    return super.producer({
      // The Java client's murmur2 partitioner, kafkajs' default since 2.0, named so kafkajs does not
      // warn that its default changed: keys land where Java producers put them.
      createPartitioner: Partitioners.DefaultPartitioner,
      ...config,
      // An idempotent producer retries until the broker takes the batch (kafkajs' own default for
      // idempotence); the client-wide retry limit would void its no-duplicates guarantee.
      ...(config.idempotent && config.retry === undefined ? { retry: { retries: Number.MAX_SAFE_INTEGER } } : {}),
    });
  }
}

export function createKafka(config: Config, brokers: string[], logger: Logger, overrides: Partial<KafkaConfig> = {}): Kafka {
  // Consumers of this process decode record batches with services/platform/kafka-record-batch.ts.
  if (installRecordBatchDecoder() === 'too-late') {
    logger.warn({ component: 'kafkajs' }, "a consumer fetched before casepipe's record batch decoder was installed: kafkajs' own decodes this process' records");
  }
  return new CasepipeKafka({
    clientId: config.kafka.clientId,
    brokers,
    ssl: config.kafka.ssl,
    sasl: config.kafka.sasl as KafkaConfig['sasl'],
    logLevel: KafkaLogLevel.WARN,
    logCreator: kafkaLogCreator(logger),
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5000 },
    ...overrides,
  });
}

/**
 * Fails closed, at once and with a clear error, when the broker cannot be trusted or refuses our
 * credentials: kafkajs would retry a certificate error as a connection error for a minute. A TLS
 * handshake with the first broker checks its certificate against KAFKA_SSL_CA_FILE (BROKER_TLS_FAILED),
 * then one connection without retries checks the SASL login (BROKER_AUTH_FAILED). Neither can be
 * helped by retrying. A broker that does not answer at all is left to kafkajs' retries as before.
 */
export async function checkBrokerCredentials(config: Config, brokers: string[], logger: Logger, timeoutMs = 5_000): Promise<void> {
  const ssl = config.kafka.ssl;
  if (ssl) {
    const [host, port] = splitHostPort(brokers[0]);
    const failure = await new Promise<Error | undefined>((resolve) => {
      const socket = tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ...ssl });
      const done = (err: Error | undefined): void => {
        socket.destroy();
        resolve(err);
      };
      socket.setTimeout(timeoutMs, () => done(undefined)); // no answer: not ours to judge
      socket.once('secureConnect', () => done(undefined));
      socket.once('error', (err: NodeJS.ErrnoException) => done(/^(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND|ETIMEDOUT|EAI_AGAIN)$/.test(err.code ?? '') ? undefined : err));
    });
    if (failure) {
      const code = (failure as NodeJS.ErrnoException).code;
      throw new CasepipeError(
        'BROKER_TLS_FAILED',
        `TLS with the broker at ${brokers[0]} failed (${code ?? failure.message}): its certificate is not trusted by ` +
          `${ssl.ca ? 'the CA in KAFKA_SSL_CA_FILE' : "the system's CAs (set KAFKA_SSL_CA_FILE for a private CA)"}, ` +
          'or does not name the host; check KAFKA_BROKERS and KAFKA_SSL_CA_FILE',
        { cause: failure },
      );
    }
  }
  if (!config.kafka.sasl) return;
  const admin = createKafka(config, brokers, logger, { logLevel: KafkaLogLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: timeoutMs }).admin();
  try {
    await admin.connect();
  } catch (err) {
    if ((err as Error).name === 'KafkaJSSASLAuthenticationError') {
      throw new CasepipeError(
        'BROKER_AUTH_FAILED',
        `the broker at ${brokers.join(',')} refused the ${config.kafka.sasl.mechanism} login of user ${JSON.stringify(config.kafka.sasl.username)} ` +
          '(wrong KAFKA_SASL_USERNAME or KAFKA_SASL_PASSWORD, or a mechanism the broker does not enable)',
        { cause: err },
      );
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function splitHostPort(broker: string): [string, number] {
  const i = broker.lastIndexOf(':');
  return [broker.slice(0, i).replace(/^\[|\]$/g, ''), Number(broker.slice(i + 1))];
}
