import type { Command } from 'commander';
import { countDeadLetters, readDeadLetters, replayDeadLetters } from '../../worker/dead-letters.js';
import type { CliContext } from '../context.js';

export function registerDeadLetterCommands(program: Command, ctx: CliContext): void {
  const dl = program.command('dead-letters').description('the dead-letter topic: what was refused and why; replay once fixed');

  dl.command('list')
    .description('count dead letters by reason (or print them with --records)')
    .option('--reason <CODE>', 'only this reason')
    .option('--records', 'one JSON line per record instead of counts')
    .action(async (opts: { reason?: string; records?: boolean }) => {
      const records = await readDeadLetters(await ctx.kafka(), ctx.topics.deadLetters, { reason: opts.reason });
      if (opts.records) {
        for (const r of records) {
          console.log(JSON.stringify({ reason: r.reason, stage: r.stage, message: r.message, at: r.at, source: r.source, key: r.key?.toString('utf8') ?? null, bytes: r.value?.length ?? 0 }));
        }
        return;
      }
      const counts = countDeadLetters(records);
      if (counts.length === 0) return console.log(`no dead letters on ${ctx.topics.deadLetters}`);
      for (const c of counts) console.log(`${String(c.count).padStart(8)}  ${c.reason.padEnd(26)} ${c.stage}`);
    });

  dl.command('replay')
    .description('send dead letters back to their source topic, byte for byte (after fixing the cause)')
    .requiredOption('--reason <CODE>', 'replay only records refused for this reason')
    .action(async (opts: { reason: string }) => {
      const kafka = await ctx.kafka();
      const records = await readDeadLetters(kafka, ctx.topics.deadLetters, { reason: opts.reason });
      const sent = await replayDeadLetters(kafka, ctx.topics.deadLetters, records);
      console.log(`replayed ${sent} ${opts.reason} record(s) onto their source topic`);
    });
}
