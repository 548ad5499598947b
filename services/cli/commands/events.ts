import fs from 'node:fs';
import type { Command } from 'commander';
import { CasepipeError } from '../../platform/errors.js';
import { publishJsonl } from '../../contract/publish-jsonl.js';
import { tailEvents } from '../../contract/tail-events.js';
import type { CliContext } from '../context.js';

export function registerEventsCommands(program: Command, ctx: CliContext): void {
  const events = program.command('events').description('case events on Kafka, for integration engineers debugging a feed');

  events
    .command('publish')
    .description('publish case events from a JSONL file (one event per line), validated and encoded as a connector would, keyed by case id; bad lines are reported and skipped')
    .argument('<file>', 'JSONL file, or - for stdin')
    .option('--topic <name>', 'topic to publish to (default: the case-events topic)')
    .option('--schema-version <n>', 'writer schema version (default: the newest)', parsePositiveInt)
    .action(async (file: string, opts: { topic?: string; schemaVersion?: number }) => {
      if (file !== '-' && !fs.existsSync(file)) throw new CasepipeError('INVALID_FIELD', `no such file: ${file}`);
      const input = file === '-' ? process.stdin : fs.createReadStream(file);
      const topic = opts.topic ?? ctx.topics.caseEvents;
      const producer = (await ctx.kafka()).producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      try {
        const summary = await publishJsonl(input, {
          sender: { send: (r) => producer.send({ ...r, acks: -1 }) },
          topic,
          version: opts.schemaVersion,
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
