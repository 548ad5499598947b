import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { CasepipeError } from '../../platform/errors.js';
import { createKafka } from '../../platform/kafka-client.js';
import { listMonths, listVersions, readManifest, restatesPrevious, versionFolder } from '../../snapshot/snapshot-folder.js';
import { queryOutput, type QueryFormat } from '../../snapshot/query-output.js';
import { DEFAULT_QUERY_TIMEOUT_S, queryLimits, querySnapshot, snapshotDatabase } from '../../snapshot/snapshot-query.js';
import { snapshotRunner, snapshotsDir } from '../../snapshot/snapshot-runner.js';
import { assertSnapshotFileIntact, verifySnapshot } from '../../snapshot/snapshot-verify.js';
import type { SnapshotOutcome } from '../../snapshot/monthly-snapshot.js';
import type { CliContext } from '../context.js';
import { monthOption, withLiveStore } from '../live-store-access.js';

function version(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CasepipeError('CONFIG_INVALID', `--version must be a whole number ≥ 1, got ${JSON.stringify(value)}`);
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
      if (rows.length === 0) return console.log(`no snapshots in ${dir}`);
      for (const r of rows) {
        console.log(`${r.month}  v${r.version}  ${r.createdAt}${r.early ? '  early' : r.provisional ? '  provisional' : ''}${r.restates ? `  restated ${r.changes} values` : ''}  ${r.folder}`);
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
    .option('--version <N>', 'snapshot version (default: the latest)')
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
    .description('run one SQL statement on a snapshot, read-only (tables: figures_total, figures_by_department, milestones, consultations, case_durations, quality, dead_letters, ...)')
    .requiredOption('--month <YYYY-MM>', 'calendar month in China Standard Time')
    .option('--version <N>', 'snapshot version (default: the latest)')
    .option('--format <table|csv|json>', 'output format', 'table')
    .option('--timeout <seconds>', 'interrupt the query after this long', String(DEFAULT_QUERY_TIMEOUT_S))
    .argument('<sql>', 'the SQL statement to run')
    .action(async (sql: string, opts: { month: string; version?: string; format: string; timeout: string }) => {
      if (!['table', 'csv', 'json'].includes(opts.format)) throw new CasepipeError('CONFIG_INVALID', `--format must be table, csv or json`);
      const timeout = Number(opts.timeout);
      if (!/^\d+(\.\d+)?$/.test(opts.timeout) || timeout <= 0) throw new CasepipeError('CONFIG_INVALID', `--timeout must be a number of seconds > 0, got ${JSON.stringify(opts.timeout)}`);
      const { file } = snapshotDatabase(snapshotsDir(ctx.config), monthOption(opts.month), version(opts.version));
      await querySnapshot(file, sql, queryLimits(ctx.config, timeout), queryOutput(opts.format as QueryFormat, process.stdout));
    });
}

/** The file each `report --format` prints (xlsx: its path). */
const REPORT_FILES: Record<string, string | undefined> = { md: 'report.md', xlsx: 'report.xlsx', json: 'figures.json' };

/** Through the running worker (it holds the store and runs the schedule); on the store file when none runs. */
function runSnapshot(ctx: CliContext, m: string, force: boolean): Promise<SnapshotOutcome> {
  return withLiveStore(ctx, { route: '/snapshots', method: 'POST', body: { month: m, force }, timeoutMs: 600_000, failure: 'SNAPSHOT_FAILED' }, async (store) => {
    const kafka = async () =>
      ctx.config.kafka.brokers ? createKafka(ctx.config, ctx.config.kafka.brokers, ctx.logger) : await ctx.kafka().catch(() => undefined);
    return snapshotRunner({ store, config: ctx.config, topic: ctx.topics.caseEvents, kafka, logger: ctx.logger })(m, { force });
  });
}
