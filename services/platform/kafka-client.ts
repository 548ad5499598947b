import { Kafka, logLevel as KafkaLogLevel, type KafkaConfig, type logCreator } from 'kafkajs';
import type { Logger } from './logger.js';
import type { Config } from './config.js';

/** Routes kafkajs' own log lines into pino, at the matching level, under `component: kafkajs`. */
export function kafkaLogCreator(logger: Logger): logCreator {
  const child = logger.child({ component: 'kafkajs' });
  return () =>
    ({ level, log }) => {
      const { message, ...extra } = log;
      switch (level) {
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

export function createKafka(config: Config, brokers: string[], logger: Logger, overrides: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
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
