import type { Command } from 'commander';
import { localBroker } from '../../platform/broker/choose-broker.js';
import { declaredTopics, ensureTopics } from '../../platform/topics.js';
import type { CliContext } from '../context.js';

export function registerKafkaCommands(program: Command, ctx: CliContext): void {
  const kafka = program.command('kafka').description('the local Kafka broker (infra/kafka: Maven-fetched jars, KRaft)');

  kafka
    .command('start')
    .description('start the local broker, or reuse the one already running; waits until it answers')
    .action(async () => {
      const r = await localBroker(ctx.config, ctx.logger).start();
      console.log(`${r.started ? 'started' : 'already running'}: ${r.bootstrap} (pid ${r.pid})`);
    });

  kafka
    .command('stop')
    .description('stop the local broker this data folder started')
    .action(async () => {
      const r = await localBroker(ctx.config, ctx.logger).stop();
      console.log(r.stopped ? `stopped (pid ${r.pid})` : 'not running');
    });

  kafka
    .command('status')
    .description('is the local broker running, where, which version')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const s = await localBroker(ctx.config, ctx.logger).status();
      if (opts.json) console.log(JSON.stringify(s));
      else console.log(`${s.running ? 'running' : 'stopped'}  ${s.bootstrap}  Kafka ${s.kafkaVersion}${s.pid ? `  pid ${s.pid}` : ''}\n  data: ${s.home}\n  log:  ${s.log}`);
      if (!s.running) process.exitCode = 3;
    });

  program
    .command('topics')
    .description('Kafka topics declared in infra/topics.json')
    .command('ensure')
    .description('create missing topics and report drift from the declaration')
    .action(async () => {
      const admin = (await ctx.kafka()).admin();
      await admin.connect();
      try {
        const r = await ensureTopics(admin, declaredTopics(ctx.config.topicPrefix), { allowFewerReplicas: ctx.config.allowFewerReplicas, logger: ctx.logger });
        for (const t of r.created) console.log(`created  ${t}`);
        for (const t of r.existing) console.log(`exists   ${t}`);
        for (const d of r.drift) console.log(`DRIFT    ${d.topic}: ${d.what} declared ${d.declared}, actual ${d.actual}`);
        if (r.drift.length > 0) process.exitCode = 4;
      } finally {
        await admin.disconnect();
      }
    });
}
