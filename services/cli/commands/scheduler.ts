import type { Command } from 'commander';
import { isCasepipeError, CasepipeError } from '../../platform/errors.js';
import { groupMonthsWithData, groupSnapshotRunner } from '../../scale/group-snapshots.js';
import { SnapshotScheduler } from '../../snapshot/schedule.js';
import { loadScheduleState, recordRecheck } from '../../snapshot/schedule-state.js';
import { snapshotsDir } from '../../snapshot/snapshot-runner.js';
import { monthOption } from '../live-store-access.js';
import type { CliContext } from '../context.js';

export function registerSchedulerCommand(program: Command, ctx: CliContext): void {
  program
    .command('scheduler')
    .description('the monthly snapshot schedule for a group of workers (CASEPIPE_SCHEDULER=external): snapshots from the merged per-partition exports')
    .option('--month <YYYY-MM>', 'snapshot this month now from the merged exports and exit')
    .option('--force', 'with --month: snapshot an open, future or empty month anyway')
    .option('--wait <seconds>', 'how long to wait for the workers’ exports', '120')
    .action(async (opts: { month?: string; force?: boolean; wait: string }) => {
      const exportsDir = ctx.config.scaleOut.exportsDir;
      if (!exportsDir) throw new CasepipeError('CONFIG_INVALID', 'casepipe scheduler needs CASEPIPE_EXPORTS_DIR: the folder the workers export their partitions to');
      const { config, logger } = ctx;
      const run = groupSnapshotRunner({ config, exportsDir, topic: ctx.topics.caseEvents, kafka: ctx.kafka, logger, waitMs: Number(opts.wait) * 1000 });
      if (opts.month) {
        const outcome = await run(monthOption(opts.month), { force: opts.force });
        console.log(JSON.stringify({ month: outcome.month, version: outcome.version, created: outcome.created, folder: outcome.folder, provisional: outcome.manifest.provisional, provisionalReason: outcome.manifest.provisionalReason }));
        return;
      }
      const dir = snapshotsDir(config);
      const scheduler = new SnapshotScheduler({
        logger,
        schedule: { graceDays: config.schedule.graceDays, ...(config.schedule.firstMonth ? { firstMonth: config.schedule.firstMonth } : {}) },
        // Restatements are found by the daily re-checks here: the moves log lives in each worker's store.
        loadState: async () => ({ ...loadScheduleState(dir), monthsWithData: groupMonthsWithData(exportsDir), restatementsDue: [] }),
        run: async (job) => {
          try {
            const outcome = await run(job.month);
            logger.info({ job: job.kind, month: job.month, version: outcome.version, created: outcome.created }, 'scheduled snapshot done');
          } catch (err) {
            if (!isCasepipeError(err, 'SNAPSHOT_MONTH_EMPTY')) throw err;
          }
          if (job.kind !== 'snapshot') recordRecheck(dir, job.month, new Date());
        },
      });
      await scheduler.start();
      logger.info({ next: scheduler.nextWakeUps().map((d) => d.toISOString()) }, 'group snapshot schedule running (Asia/Shanghai)');
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', () => resolve());
        process.once('SIGINT', () => resolve());
      });
      await scheduler.stop();
    });
}
