import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { demoConfig } from '../../demo/run-demo.js';
import { CasepipeError } from '../../platform/errors.js';
import { createKafka } from '../../platform/kafka-client.js';
import { listMonths, listVersions, readManifest, restatesPrevious, versionFolder } from '../../snapshot/snapshot-folder.js';
import { latestMonthSnapshots, parseMonthRange } from '../../snapshot/cross-month-views.js';
import { queryOutput, type QueryFormat } from '../../snapshot/query-output.js';
import { DEFAULT_QUERY_TIMEOUT_S, queryLimits, querySnapshot, snapshotDatabase } from '../../snapshot/snapshot-query.js';
import { snapshotRunner, snapshotsDir } from '../../snapshot/snapshot-runner.js';
import { assertSnapshotFileIntact, verifySnapshot } from '../../snapshot/snapshot-verify.js';
import type { SnapshotOutcome } from '../../snapshot/monthly-snapshot.js';
import type { CliContext } from '../context.js';
import { runQueryPrompt } from '../query-prompt.js';
import { monthOption, withLiveStore } from '../live-store-access.js';

/** `--version` as `snapshots list` prints it (`v2`) or as a number (`2`). */
export function version(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = /^v?[1-9]\d*$/i.test(value) ? Number(value.replace(/^v/i, '')) : NaN;
  if (!Number.isSafeInteger(n)) throw new CasepipeError('CONFIG_INVALID', `--version must be v1, v2, ... (or 1, 2, ...), got ${JSON.stringify(value)}`);
  return n;
}

export function registerSnapshotCommands(program: Command, ctx: CliContext): void {
  program
    .command('snapshot')
    .description("write month M's immutable snapshot (a new version only if something changed)")
    .requiredOption('--month <YYYY-MM>', 'calendar month in China Standard Time')
    .option('--force', 'snapshot a month that has not ended, has not begun or has no events (an early snapshot does not replace the scheduled one)')
    .option('--json', 'print the outcome as JSON')
    .action(async (opts: { month: string; force?: boolean; json?: boolean }) => {
      const outcome = await runSnapshot(ctx, monthOption(opts.month), opts.force === true);
      if (opts.json) console.log(JSON.stringify(outcome, null, 2));
      else
        console.log(
          `${outcome.created ? 'wrote' : 'unchanged, kept'} ${outcome.month} v${outcome.version}${outcome.manifest.provisional ? ' (PROVISIONAL: ' + outcome.manifest.provisionalReason + ')' : ''}\n  ${outcome.folder}`,
        );
    });

  const snapshots = program.command('snapshots').description('published snapshots');
  snapshots
    .command('list')
    .description('every month and version, newest last')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const dir = snapshotsDir(ctx.config);
      const rows = listMonths(dir).flatMap((m) =>
        listVersions(dir, m).map((v) => {
          const man = readManifest(dir, m, v);
          return {
            month: m,
            version: v,
            createdAt: man.createdAt,
            provisional: man.provisional,
            early: man.early === true,
            restates: restatesPrevious(dir, man),
            changes: man.diff.length,
            folder: versionFolder(dir, m, v),
          };
        }),
      );
      if (opts.json) return console.log(JSON.stringify(rows, null, 2));
      if (rows.length === 0) console.log(`no snapshots in ${dir}`);
      for (const r of rows) {
        console.log(`${r.month}  v${r.version}  ${r.createdAt}${r.early ? '  early' : r.provisional ? '  provisional' : ''}${r.restates ? `  restated ${r.changes} values` : ''}  ${r.folder}`);
      }
      // The demo keeps its own data folder; name it, so its snapshots are found after `npm run demo`.
      const demo = demoDataDir(ctx);
      const demoMonths = demo ? listMonths(path.join(demo, 'snapshots')) : [];
      if (demo && demoMonths.length > 0) {
        console.log(`\nthe demo's snapshots (${demoMonths.join(', ')}) are in ${path.join(demo, 'snapshots')}; use them with`);
        console.log(`  CASEPIPE_DATA_DIR=${path.relative(process.cwd(), demo)} npx casepipe snapshots list`);
      }
    });

  snapshots
    .command('verify')
    .description("check every file of every version (or of one month's versions) against its manifest.json; exit 1 naming each file that differs")
    .option('--month <YYYY-MM>', 'only this month')
    .action(async (opts: { month?: string }) => {
      const dir = snapshotsDir(ctx.config);
      const months = opts.month === undefined ? listMonths(dir) : [monthOption(opts.month)];
      let versions = 0;
      const bad: string[] = [];
      for (const m of months) {
        for (const v of listVersions(dir, m)) {
          versions++;
          const mismatches = await verifySnapshot(dir, m, v);
          for (const x of mismatches) bad.push(`${x.file}: ${x.problem}`);
          console.log(`${m}  v${v}  ${mismatches.length === 0 ? 'ok' : `${mismatches.length} file(s) differ from the manifest`}`);
        }
      }
      if (versions === 0) throw new CasepipeError('SNAPSHOT_NOT_FOUND', `no snapshot${opts.month ? ` of ${opts.month}` : ''} in ${dir}`);
      if (bad.length > 0) throw new CasepipeError('SNAPSHOT_CORRUPT', `${bad.length} file(s) differ from their manifest:\n  ${bad.join('\n  ')}`);
    });

  program
    .command('report')
    .description("print a snapshot's report")
    .requiredOption('--month <YYYY-MM>', 'calendar month in China Standard Time')
    .option('--version <N>', 'snapshot version, v1 or 1 (default: the latest)')
    .option('--format <md|xlsx|json>', 'md prints the report, xlsx prints the workbook path, json the figures', 'md')
    .action(async (opts: { month: string; version?: string; format: string }) => {
      const name = REPORT_FILES[opts.format];
      if (name === undefined) throw new CasepipeError('CONFIG_INVALID', `--format must be md, xlsx or json, got ${JSON.stringify(opts.format)}`);
      const { file: db } = snapshotDatabase(snapshotsDir(ctx.config), monthOption(opts.month), version(opts.version));
      const file = path.join(path.dirname(db), name);
      await assertSnapshotFileIntact(file);
      if (opts.format === 'xlsx') console.log(file);
      else process.stdout.write(fs.readFileSync(file, 'utf8'));
    });

  program
    .command('query')
    .description(
      'run one SQL statement on snapshots, read-only: one month (--month), or the latest version of every month side by side (--months A..B, --all; the default), with a month column in every table. Without SQL: a prompt',
    )
    .option('--month <YYYY-MM>', 'one month (calendar month in China Standard Time)')
    .option('--months <A..B>', 'the latest snapshot of each month from A to B (either end may be left open)')
    .option('--all', 'the latest snapshot of every month (the default without --month or --months)')
    .option('--version <N>', 'snapshot version with --month (v1 or 1; default: the latest)')
    .option('--format <table|csv|json>', 'output format', 'table')
    .option('--timeout <seconds>', 'interrupt a query after this long', String(DEFAULT_QUERY_TIMEOUT_S))
    .argument('[sql]', 'the SQL statement to run; without it, an interactive prompt')
    .action(async (sql: string | undefined, opts: { month?: string; months?: string; all?: boolean; version?: string; format: string; timeout: string }) => {
      if (!['table', 'csv', 'json'].includes(opts.format)) throw new CasepipeError('CONFIG_INVALID', `--format must be table, csv or json`);
      const timeout = Number(opts.timeout);
      if (!/^\d+(\.\d+)?$/.test(opts.timeout) || timeout <= 0) throw new CasepipeError('CONFIG_INVALID', `--timeout must be a number of seconds > 0, got ${JSON.stringify(opts.timeout)}`);
      if ([opts.month, opts.months, opts.all].filter((o) => o !== undefined).length > 1) throw new CasepipeError('CONFIG_INVALID', 'give one of --month, --months and --all');
      if (opts.version !== undefined && opts.month === undefined) throw new CasepipeError('CONFIG_INVALID', '--version goes with --month');
      const dir = snapshotsDir(ctx.config);
      const source = opts.month
        ? snapshotDatabase(dir, monthOption(opts.month), version(opts.version)).file
        : latestMonthSnapshots(dir, opts.months ? parseMonthRange(opts.months) : undefined);
      const format = opts.format as QueryFormat;
      const limits = queryLimits(ctx.config, timeout);
      if (sql !== undefined) return void (await querySnapshot(source, sql, limits, queryOutput(format, process.stdout)));
      const months = typeof source === 'string' ? `${opts.month} (${path.relative(process.cwd(), source)})` : source.map((s) => `${s.month} v${s.version}`).join(', ');
      await runQueryPrompt({
        run: async (statement, out) => void (await querySnapshot(source, statement, limits, queryOutput(format, out))),
        banner: `casepipe query, read-only: ${months}`,
        historyFile: path.join(ctx.config.dataDir, 'query_history'),
      });
    });
}

/** The file each `report --format` prints (xlsx: its path). */
const REPORT_FILES: Record<string, string | undefined> = { md: 'report.md', xlsx: 'report.xlsx', json: 'figures.json' };

/** The demo's data folder, unless it is the one in use. */
function demoDataDir(ctx: CliContext): string | undefined {
  const demo = demoConfig(ctx.config).dataDir;
  return path.resolve(demo) === path.resolve(ctx.config.dataDir) || path.basename(ctx.config.dataDir) === 'demo' ? undefined : demo;
}

/** Through the running worker (it holds the store and runs the schedule); on the store file when none runs. */
function runSnapshot(ctx: CliContext, m: string, force: boolean): Promise<SnapshotOutcome> {
  return withLiveStore(ctx, { route: '/snapshots', method: 'POST', body: { month: m, force }, timeoutMs: 600_000, failure: 'SNAPSHOT_FAILED' }, async (store) => {
    const kafka = async () =>
      ctx.config.kafka.brokers ? createKafka(ctx.config, ctx.config.kafka.brokers, ctx.logger) : await ctx.kafka().catch(() => undefined);
    return snapshotRunner({ store, config: ctx.config, topic: ctx.topics.caseEvents, kafka, logger: ctx.logger })(m, { force });
  });
}
