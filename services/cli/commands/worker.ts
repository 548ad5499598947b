import type { Command } from 'commander';
import { FIGURE_KEYS, FIGURE_LABELS, type MonthFigures } from '../../figures/window-figures.js';
import { SHORT_LABELS } from '../../report/report-labels.js';
import { readWorkers } from '../../scale/export-folder.js';
import { groupFigures } from '../../scale/group-view.js';
import { runWorkerUntilSignalled } from '../../worker/worker-process.js';
import { monthOption, readLiveStore } from '../live-store-access.js';
import type { CliContext } from '../context.js';

export function registerWorkerCommands(program: Command, ctx: CliContext): void {
  program
    .command('worker')
    .description('run the stream worker: dedupe and count case events into the live store (SIGTERM stops it cleanly)')
    .action(async () => {
      await runWorkerUntilSignalled({ config: ctx.config, logger: ctx.logger, brokers: await ctx.brokers(), topics: ctx.topics });
    });

  program
    .command('figures')
    .description("a month's eight figures and per-department counts from the live store")
    .requiredOption('--month <YYYY-MM>', 'calendar month in China Standard Time')
    .option('--json', 'print JSON')
    .action(async (opts: { month: string; json?: boolean }) => {
      const exportsDir = ctx.config.scaleOut.exportsDir;
      if (exportsDir && readWorkers(exportsDir).length > 0) {
        // Several workers: every worker's owned partitions, added up (services/scale/group-view.ts).
        const group = await groupFigures(exportsDir, monthOption(opts.month));
        for (const u of group.unreachable) console.error(`casepipe: worker ${u.worker} did not answer (${u.error}); its partitions are not counted`);
        // Partitions some worker registered but nobody counted (a rebalance, a worker down): say so, exit 2.
        const missing = [...new Set(readWorkers(exportsDir).flatMap((w) => w.partitions))].filter((p) => group.counted[p] === undefined).sort((a, b) => a - b);
        for (const [p, w] of Object.entries(group.restoring)) {
          console.error(`casepipe: partition ${p} is not counted: worker ${w} owns it but is still replaying it into its store (restoring)`);
        }
        if (missing.length > 0) {
          console.error(`casepipe: partitions ${missing.join(',')} are not counted: the figures are incomplete`);
          process.exitCode = 2;
        }
        console.log(opts.json ? JSON.stringify({ ...group.figures, partitions: group.counted }, null, 2) : formatFigures(group.figures));
        return;
      }
      const figures = await liveFigures(ctx, monthOption(opts.month));
      console.log(opts.json ? JSON.stringify(figures, null, 2) : formatFigures(figures));
    });
}

/** The month's figures from the live store, through the running worker when there is one, else read-only. */
export function liveFigures(ctx: CliContext, month: string): Promise<MonthFigures> {
  return readLiveStore(ctx, { route: `/figures?month=${month}`, method: 'GET', timeoutMs: 30_000, failure: 'STORE_FAILED' }, (store) => store.figures(month));
}

const FIGURE_COLUMN = 14;

export function formatFigures(f: MonthFigures): string {
  const lines = [`${f.month}`];
  for (const k of FIGURE_KEYS) lines.push(`  ${FIGURE_LABELS[k].zh.padEnd(14, '　')} ${String(f.total[k]).padStart(9)}  ${k}`);
  // Column headers are the report's short labels (two terminal columns per Chinese character).
  const header = FIGURE_KEYS.map((k) => ' '.repeat(FIGURE_COLUMN - 2 * SHORT_LABELS[k].length) + SHORT_LABELS[k]).join('');
  lines.push('', `  ${'部门'.padEnd(8)} ${header}`);
  for (const d of f.departments) {
    lines.push(`  ${d.departmentCode.padEnd(10)} ${FIGURE_KEYS.map((k) => String(d.figures[k]).padStart(FIGURE_COLUMN)).join('')}  ${d.departmentName}`);
  }
  return lines.join('\n');
}
