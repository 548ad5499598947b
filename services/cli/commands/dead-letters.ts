import type { Command } from 'commander';
import { CasepipeError } from '../../platform/errors.js';
import { assertKnownReason, countDeadLetters, planReplay, readDeadLetterTopic, replayDeadLetters } from '../../worker/dead-letters.js';
import type { CliContext } from '../context.js';

export function registerDeadLetterCommands(program: Command, ctx: CliContext): void {
  const dl = program.command('dead-letters').description('the dead-letter topic: what was refused and why; replay once fixed');

  dl.command('list')
    .description('count dead letters by reason (or print them with --records); copies of one source record count once')
    .option('--reason <CODE>', 'only this reason')
    .option('--records', 'one JSON line per record instead of counts')
    .action(async (opts: { reason?: string; records?: boolean }) => {
      const topic = await readDeadLetterTopic(await ctx.kafka(), ctx.topics.deadLetters, { reason: opts.reason });
      if (opts.reason !== undefined) assertKnownReason(opts.reason, topic.reasons);
      if (opts.records) {
        for (const r of topic.records) {
          console.log(JSON.stringify({ reason: r.reason, stage: r.stage, message: r.message, at: r.at, source: r.source, key: r.key?.toString('utf8') ?? null, bytes: r.value?.length ?? 0 }));
        }
        return;
      }
      const counts = countDeadLetters(topic.records);
      if (counts.length === 0) return console.log(`no dead letters on ${ctx.topics.deadLetters}`);
      for (const c of counts) console.log(`${String(c.count).padStart(8)}  ${c.reason.padEnd(26)} ${c.stage}`);
      if (topic.copies > 0) console.log(`(${topic.copies} further cop${topic.copies === 1 ? 'y' : 'ies'} of these records, sent again after a crash or retry, not counted)`);
    });

  dl.command('replay')
    .description('send dead letters back to their source topic, byte for byte, once the cause is fixed')
    .requiredOption('--reason <CODE>', 'replay only records refused for this reason')
    .option('--force', 'also send records that would be refused again')
    .option('--dry-run', 'only say what would be sent')
    .action(async (opts: { reason: string; force?: boolean; dryRun?: boolean }) => {
      const kafka = await ctx.kafka();
      const topic = await readDeadLetterTopic(kafka, ctx.topics.deadLetters, { reason: opts.reason });
      assertKnownReason(opts.reason, topic.reasons);
      const plan = planReplay(topic.records, Date.now());
      const copies = topic.copies > 0 ? ` (${topic.copies} further cop${topic.copies === 1 ? 'y' : 'ies'} left out)` : '';
      console.log(`${topic.records.length} ${opts.reason} dead letter(s) on ${ctx.topics.deadLetters}${copies}`);
      console.log(`  ${plan.send.length} would be counted now`);
      if (plan.masked.length > 0) console.log(`  ${plan.masked.length} kept with personal data masked: never replayed (fix them at the connector)`);
      const again = new Map<string, number>();
      for (const f of plan.failAgain) again.set(f.code, (again.get(f.code) ?? 0) + 1);
      if (plan.failAgain.length > 0) {
        const byCode = [...again].map(([code, n]) => `${n} ${code}`).join(', ');
        console.log(`  ${plan.failAgain.length} would be refused again (${byCode}); first: ${plan.failAgain[0].message}`);
      }
      const toSend = opts.force ? [...plan.send, ...plan.failAgain.map((f) => f.record)] : plan.send;
      const targets = [...new Set(toSend.map((r) => r.source.topic))].join(', ') || 'their source topic';
      if (opts.dryRun) return console.log(`would send ${toSend.length} record(s) to ${targets}`);
      const sent = await replayDeadLetters(kafka, ctx.topics.deadLetters, toSend);
      console.log(`replayed ${sent} ${opts.reason} record(s) onto ${targets}`);
      if (plan.failAgain.length > 0 && !opts.force) {
        throw new CasepipeError(
          'REPLAY_REFUSED',
          `${plan.failAgain.length} ${opts.reason} record(s) would be refused again (${[...again].map(([c, n]) => `${n} ${c}`).join(', ')}) and were not sent: fix the cause first (e.g. add the schema version to schemas/ and restart the worker), or pass --force`,
        );
      }
    });
}
