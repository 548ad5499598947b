import type { Kafka } from 'kafkajs';
import type { Config } from '../platform/config.js';
import type { Logger } from '../platform/logger.js';

/** What every CLI command gets: validated config, a logger, and lazily a broker and a Kafka client. */
export interface CliContext {
  config: Config;
  logger: Logger;
  /** The broker list: KAFKA_BROKERS, or the local broker (started if needed). */
  brokers(): Promise<string[]>;
  kafka(): Promise<Kafka>;
  topics: { caseEvents: string; deadLetters: string };
}
