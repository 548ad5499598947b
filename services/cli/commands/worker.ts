import type { Command } from 'commander';
import { isMonth } from '../../contract/month.js';
import { FIGURE_KEYS, FIGURE_LABELS, type MonthFigures } from '../../figures/window-figures.js';
import { CasepipeError } from '../../platform/errors.js';
import { LiveStore } from '../../store/live-store.js';
import { liveStorePath, runWorkerUntilSignalled } from '../../worker/worker-process.js';
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
      if (!isMonth(opts.month)) throw new CasepipeError('CONFIG_INVALID', `--month must be YYYY-MM, got ${JSON.stringify(opts.month)}`);
      const figures = await liveFigures(ctx, opts.month);
      console.log(opts.json ? JSON.stringify(figures, null, 2) : formatFigures(figures));
    });
}

/**
 * Through the running worker's admin endpoint when it runs (it holds the store file); directly from the
 * store file when it does not. Never both processes on the file.
 */
export async function liveFigures(ctx: CliContext, month: string): Promise<MonthFigures> {
  const url = `http://127.0.0.1:${ctx.config.workerPort}/figures?month=${month}`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    if (res.ok) return (await res.json()) as MonthFigures;
    throw new CasepipeError('STORE_FAILED', `the worker answered ${res.status}: ${await res.text()}`);
  } catch (err) {
    if (err instanceof CasepipeError) throw err;
    // Nothing listens: no worker runs, so the file is free.
  }
  const store = await LiveStore.open({ path: liveStorePath(ctx.config), memoryLimit: ctx.config.storeMemoryLimit, logger: ctx.logger });
  try {
    return await store.figures(month);
  } finally {
    await store.close();
  }
}

export function formatFigures(f: MonthFigures): string {
  const lines = [`${f.month}`];
  for (const k of FIGURE_KEYS) lines.push(`  ${FIGURE_LABELS[k].zh.padEnd(14, '　')} ${String(f.total[k]).padStart(9)}  ${k}`);
  lines.push('', `  ${'department'.padEnd(10)} ${FIGURE_KEYS.map((k) => k.slice(0, 10).padStart(11)).join('')}`);
  for (const d of f.departments) {
    lines.push(`  ${d.departmentCode.padEnd(10)} ${FIGURE_KEYS.map((k) => String(d.figures[k]).padStart(11)).join('')}  ${d.departmentName}`);
  }
  return lines.join('\n');
}
