/**
 * The `casepipe` command line: one program, subcommands registered by the module that owns them.
 * Errors with a stable code are printed as `casepipe: CODE: message` and exit 1; anything else is a bug
 * and prints its stack.
 */
import { Command } from 'commander';
import type { Kafka } from 'kafkajs';
import { chooseBroker } from '../platform/broker/choose-broker.js';
import { loadConfig } from '../platform/config.js';
import { isCasepipeError } from '../platform/errors.js';
import { checkBrokerCredentials, createKafka } from '../platform/kafka-client.js';
import { stderrLogger } from '../platform/logger.js';
import { CASE_EVENTS, CASE_EVENTS_DLQ } from '../platform/topics.js';
import { registerConnectorCommands } from './commands/connectors.js';
import { registerDeadLetterCommands } from './commands/dead-letters.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerEventsCommands } from './commands/events.js';
import { registerIssueCommand } from './commands/issue.js';
import { registerKafkaCommands } from './commands/kafka.js';
import { registerSchedulerCommand } from './commands/scheduler.js';
import { registerSchemasCommands } from './commands/schemas.js';
import { registerSnapshotCommands } from './commands/snapshots.js';
import { registerStatusCommand } from './commands/status.js';
import { registerWorkerCommands } from './commands/worker.js';
import type { CliContext } from './context.js';

function buildContext(): CliContext {
  const config = loadConfig();
  const logger = stderrLogger({ level: config.logLevel });
  let brokers: Promise<string[]> | undefined;
  let kafka: Promise<Kafka> | undefined;
  const ctx: CliContext = {
    config,
    logger,
    brokers: () => (brokers ??= chooseBroker(config, logger).then((b) => b.brokers)),
    kafka: () => (kafka ??= ctx.brokers().then(async (b) => (await checkBrokerCredentials(config, b, logger), createKafka(config, b, logger)))),
    topics: { caseEvents: config.topicPrefix + CASE_EVENTS, deadLetters: config.topicPrefix + CASE_EVENTS_DLQ },
  };
  return ctx;
}

export async function main(argv = process.argv): Promise<void> {
  const program = new Command('casepipe')
    .description('government-service case records → trusted monthly window-report figures')
    .showHelpAfterError();
  let ctx: CliContext;
  try {
    ctx = buildContext();
  } catch (err) {
    fail(err);
    return;
  }
  registerKafkaCommands(program, ctx);
  registerDemoCommand(program, ctx);
  registerWorkerCommands(program, ctx);
  registerStatusCommand(program, ctx);
  registerSnapshotCommands(program, ctx);
  registerSchedulerCommand(program, ctx);
  registerIssueCommand(program, ctx);
  registerEventsCommands(program, ctx);
  registerSchemasCommands(program, ctx);
  registerDeadLetterCommands(program, ctx);
  registerConnectorCommands(program, ctx);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    fail(err);
  }
}

function fail(err: unknown): void {
  if (isCasepipeError(err)) {
    console.error(`casepipe: ${err.code}: ${err.message}`);
  } else {
    console.error(err);
  }
  process.exitCode = 1;
}

await main();
