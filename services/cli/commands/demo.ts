import type { Command } from 'commander';
import { runDemo } from '../../demo/run-demo.js';
import { CasepipeError } from '../../platform/errors.js';
import type { CliContext } from '../context.js';
import { monthOption } from '../live-store-access.js';

export function registerDemoCommand(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('the whole job on generated data: write a month as the departments\' raw sources, run the connectors, count it, snapshot it, print the report paragraph')
    .option('--month <YYYY-MM>', 'month to generate', '2025-08')
    .option('--seed <N>', 'generator seed', '20250926')
    .option('--reuse', "keep the previous demo run's topics and data instead of resetting them")
    .option('--postgres <url>', "put the 前置库 departments' tables on this PostgreSQL server (a throwaway database each) instead of the embedded one")
    .option('--mysql <url>', "put the 前置库 departments' tables on this MySQL/MariaDB server (a throwaway database each) instead of the embedded PostgreSQL")
    .action(async (opts: { month: string; seed: string; reuse?: boolean; postgres?: string; mysql?: string }) => {
      if (opts.postgres && opts.mysql) throw new CasepipeError('CONFIG_INVALID', 'give --postgres or --mysql, not both');
      for (const [flag, url, schemes] of [['--postgres', opts.postgres, ['postgres:', 'postgresql:']], ['--mysql', opts.mysql, ['mysql:', 'mariadb:']]] as const) {
        if (url !== undefined && !schemes.some((s) => url.startsWith(s))) throw new CasepipeError('CONFIG_INVALID', `${flag} needs a URL starting ${schemes.join(' or ')}//, got ${JSON.stringify(url.replace(/:[^:@/]*@/, ':***@'))}`);
      }
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed)) throw new CasepipeError('CONFIG_INVALID', `--seed must be a whole number, got ${JSON.stringify(opts.seed)}`);
      // The demo's output is the report; the worker's per-record warnings would drown it.
      if (!process.env.LOG_LEVEL) ctx.logger.level = 'error';
      await runDemo({
        config: ctx.config,
        logger: ctx.logger,
        brokers: await ctx.brokers(),
        month: monthOption(opts.month),
        seed,
        reuse: opts.reuse,
        databaseUrl: opts.postgres ?? opts.mysql,
        progress: process.stdout.isTTY,
      });
    });
}
