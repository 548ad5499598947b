import path from 'node:path';
import type { Command } from 'commander';
import { publishIssue } from '../../issue/monthly-issue.js';
import { PROSE_SECTIONS } from '../../issue/prose-sections.js';
import { snapshotsDir } from '../../snapshot/snapshot-runner.js';
import type { CliContext } from '../context.js';
import { monthOption } from '../live-store-access.js';

export function registerIssueCommand(program: Command, ctx: CliContext): void {
  program
    .command('issue')
    .description("the month's whole 政务窗口月报 issue, ready to publish: .docx and PDF (section 一 from the snapshot, 二-四 from the staff's Markdown files)")
    .requiredOption('--month <YYYY-MM>', 'calendar month in China Standard Time')
    .option('--date <YYYY-MM-DD>', 'the issue date printed in the header (default: today, China Standard Time)')
    .option('--issues <dir>', "folder with a folder per month: the staff's 2.md, 3.md, 4.md in, the issue out", path.join(ctx.config.dataDir, 'issues'))
    .action(async (opts: { month: string; date?: string; issues: string }) => {
      const out = await publishIssue({ month: monthOption(opts.month), date: opts.date, issuesDir: path.resolve(opts.issues), snapshotsDir: snapshotsDir(ctx.config) });
      console.log(`第${out.record.number}期 (${out.record.month}, snapshot v${out.record.snapshotVersion}, dated ${out.record.date})`);
      console.log(`  ${out.docx}\n  ${out.pdf}`);
      for (const s of out.missingSections) {
        const n = PROSE_SECTIONS.find((p) => s.startsWith(p.numeral))!.number;
        console.log(`  note: no file for ${s}; it is printed empty (put the text in ${path.join(out.folder, `${n}.md`)})`);
      }
    });
}
