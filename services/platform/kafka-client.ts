import { createRequire } from 'node:module';
import { Kafka, Partitioners, logLevel as KafkaLogLevel, type KafkaConfig, type Producer, type ProducerConfig, type logCreator } from 'kafkajs';
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
