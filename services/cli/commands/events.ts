import fs from 'node:fs';
import type { Command } from 'commander';
import { logLevel } from 'kafkajs';
import { CasepipeError } from '../../platform/errors.js';
import { checkBrokerCredentials, createKafka } from '../../platform/kafka-client.js';
import { publishJsonl, strictDecoder } from '../../contract/publish-jsonl.js';
import { tailEvents } from '../../contract/tail-events.js';
import type { CliContext } from '../context.js';

/** How long `events publish` waits for the broker to answer before saying what to do. */
const REACH_TIMEOUT_MS = 8_000;

/** The input file, or a one-line INPUT_UNREADABLE saying why not. */
function checkInputFile(file: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new CasepipeError('INPUT_UNREADABLE', `no such file: ${file}`);
  }
  if (stat.isDirectory()) throw new CasepipeError('INPUT_UNREADABLE', `${file} is a directory; give a JSONL file (one case event per line), or - for stdin`);
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch {
    throw new CasepipeError('INPUT_UNREADABLE', `cannot read ${file} (permissions)`);
  }
}

/**
 * Checks, before anything is sent, that the broker answers and the topic exists, within
 * REACH_TIMEOUT_MS and with one line that says what to do (kafkajs would otherwise retry for a
 * minute and log each attempt).
 */
async function checkPublishTarget(ctx: CliContext, topic: string): Promise<void> {
  const brokers = await ctx.brokers();
  await checkBrokerCredentials(ctx.config, brokers, ctx.logger);
  const admin = createKafka(ctx.config, brokers, ctx.logger, {
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_500,
    requestTimeout: 5_000,
    retry: { retries: 1, initialRetryTime: 300, maxRetryTime: 1_000 },
  }).admin();
  let timer: NodeJS.Timeout | undefined;
  let topics: string[];
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${REACH_TIMEOUT_MS / 1000} s`)), REACH_TIMEOUT_MS);
    });
    topics = await Promise.race([admin.connect().then(() => admin.listTopics()), timeout]);
  } catch (err) {
    const why = String((err as Error).message ?? err).replace(/\s+/g, ' ');
    throw new CasepipeError(
      'BROKER_UNAVAILABLE',
      `cannot reach Kafka at ${brokers.join(',')} (${why}): start it (casepipe kafka start), or check KAFKA_BROKERS and the TLS/SASL settings`,
      { canRetry: true },
    );
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => undefined);
  }
  if (!topics.includes(topic)) {
    const hint =
      topic === ctx.topics.caseEvents
        ? 'run `casepipe topics ensure` to create the declared topics'
        : `check --topic (the case-events topic is ${ctx.topics.caseEvents}; \`casepipe topics ensure\` creates it)`;
    throw new CasepipeError('TOPIC_MISSING', `topic ${topic} does not exist on ${brokers.join(',')}: ${hint}`);
  }
}

export function registerEventsCommands(program: Command, ctx: CliContext): void {
  const events = program.command('events').description('case events on Kafka, for integration engineers debugging a feed');

  events
    .command('publish')
    .description('publish case events from a JSONL file (one event per line), validated and encoded as a connector would, keyed by case id; bad lines are reported and skipped')
    .argument('<file>', 'JSONL file, or - for stdin')
    .option('--topic <name>', 'topic to publish to (default: the case-events topic)')
    .option('--schema-version <n>', 'writer schema version (default: the newest)', parsePositiveInt)
    .option('--encoding <label>', 'text encoding of the file, e.g. gb18030 or gbk (default: utf-8; bytes that are not text in it are bad lines)')
    .action(async (file: string, opts: { topic?: string; schemaVersion?: number; encoding?: string }) => {
      strictDecoder(opts.encoding);
      if (file !== '-') checkInputFile(file);
      const topic = opts.topic ?? ctx.topics.caseEvents;
      await checkPublishTarget(ctx, topic);
      const input = file === '-' ? process.stdin : fs.createReadStream(file);
      const producer = (await ctx.kafka()).producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      try {
        const summary = await publishJsonl(input, {
          sender: { send: (r) => producer.send({ ...r, acks: -1 }) },
          topic,
          version: opts.schemaVersion,
          encoding: opts.encoding,
          onBadLine: (bad) => console.error(`${file}:${bad.line}: ${bad.code}: ${bad.message}`),
        });
        console.log(`published ${summary.published} event(s) to ${topic}; ${summary.bad.length} bad line(s), ${summary.blank} blank`);
        if (summary.bad.length > 0) process.exitCode = 2;
      } finally {
        await producer.disconnect();
      }
    });

  events
    .command('tail')
    .description('decode case events and print them as JSON lines with the writer schema version (Ctrl-C to stop)')
    .option('--from-beginning', 'start at the oldest retained record instead of new ones')
    .option('--department <code-or-name>', 'only events of this department')
    .option('--topic <name>', 'topic to read (default: the case-events topic)')
    .option('--max <n>', 'stop after n lines', parsePositiveInt)
    .action(async (opts: { fromBeginning?: boolean; department?: string; topic?: string; max?: number }) => {
      const controller = new AbortController();
      const stop = (): void => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await tailEvents({
          kafka: await ctx.kafka(),
          topic: opts.topic ?? ctx.topics.caseEvents,
          fromBeginning: opts.fromBeginning,
          department: opts.department,
          max: opts.max,
          signal: controller.signal,
          onLine: (line) => process.stdout.write(`${JSON.stringify(line)}\n`),
        });
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new CasepipeError('INVALID_FIELD', `expected a positive whole number, got ${JSON.stringify(value)}`);
  return n;
}
