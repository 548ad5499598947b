/**
 * Which Kafka broker casepipe talks to, decided once per process:
 *  1. KAFKA_BROKERS set → that broker (production, or any broker you already run);
 *  2. else, where a Docker engine answers → `docker compose up -d kafka` (CLI) or testcontainers (tests);
 *  3. else the local JVM broker from infra/kafka (Maven-fetched jars, KRaft), started if needed.
 * The log says which one was chosen.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Config } from '../config.js';
import { CasepipeError } from '../errors.js';
import type { Logger } from '../logger.js';
import { LocalBroker } from './local-broker.js';

export type BrokerKind = 'configured' | 'docker' | 'local';

export interface ChosenBroker {
  kind: BrokerKind;
  brokers: string[];
}

export function localBroker(config: Config, logger: Logger): LocalBroker {
  return new LocalBroker({
    home: path.join(config.dataDir, 'kafka'),
    port: config.broker.port,
    controllerPort: config.broker.controllerPort,
    logger,
  });
}

/** True when a Docker engine (not just the client) answers within a few seconds. */
export function dockerEngineAnswers(): boolean {
  if (process.env.CASEPIPE_NO_DOCKER === '1') return false;
  const r = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 5000, encoding: 'utf8' });
  return !r.error && r.status === 0 && r.stdout.trim().length > 0;
}

/** For CLI commands: a running broker, started if we own it. */
export async function chooseBroker(config: Config, logger: Logger): Promise<ChosenBroker> {
  if (config.kafka.brokers) {
    logger.info({ brokers: config.kafka.brokers }, 'using the Kafka broker named by KAFKA_BROKERS');
    return { kind: 'configured', brokers: config.kafka.brokers };
  }
  if (dockerEngineAnswers()) {
    logger.info('a Docker engine answers: using the kafka service of docker-compose.yml');
    const r = spawnSync('docker', ['compose', 'up', '-d', '--wait', 'kafka'], { stdio: 'inherit' });
    if (r.status !== 0) throw new CasepipeError('BROKER_START_FAILED', '`docker compose up -d kafka` failed');
    return { kind: 'docker', brokers: ['127.0.0.1:9092'] };
  }
  const broker = localBroker(config, logger);
  logger.info({ home: broker.home }, 'no KAFKA_BROKERS and no Docker engine: using the local JVM broker from infra/kafka');
  const { bootstrap } = await broker.start();
  return { kind: 'local', brokers: [bootstrap] };
}
