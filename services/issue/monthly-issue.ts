/**
 * `casepipe issue --month M`: the whole monthly issue, ready to publish, in `<issues>/<M>/`: a .docx,
 * a PDF (the issue's HTML printed by headless Chromium) and issue.json recording its number, date and
 * the snapshot version section 一 came from. Section 一 is the month's latest snapshot (环比/同比
 * against the earlier months' latest snapshots); sections 二-四 are the staff's Markdown files in the
 * month's folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { addMonths, isMonth } from '../contract/month.js';
import type { Month } from '../figures/window-figures.js';
import { CasepipeError } from '../platform/errors.js';
import { launchHtmlPrinter, type HtmlPrinter } from '../report/html-printer.js';
import { formatCstTime } from '../report/report-labels.js';
import { latestFigures, latestVersion, readFigures } from '../snapshot/snapshot-folder.js';
import type { IssueContent } from './issue-content.js';
import { renderIssueDocx } from './issue-docx.js';
import { PAGE_FOOTER_HTML, renderIssueHtml } from './issue-html.js';
import { issueNumber, issueRecordFile, type IssueRecord } from './issue-number.js';
import { loadIssueSettings, type IssueSettings } from './issue-settings.js';
import { readProseSections } from './prose-sections.js';

export interface IssueOptions {
  month: Month;
  snapshotsDir: string;
  /** Where each month's folder is: the staff's prose in, the issue out. */
  issuesDir: string;
  /** YYYY-MM-DD; default today in China Standard Time. */
  date?: string;
  settings?: IssueSettings;
  /** A running printer to reuse (tests); otherwise one is started and closed. */
  printer?: HtmlPrinter;
  now?: () => Date;
}

export interface IssueOutcome {
  record: IssueRecord;
  folder: string;
  docx: string;
  pdf: string;
  html: string;
  /** Prose sections with no file (printed as an empty heading with a note). */
  missingSections: string[];
}

export async function publishIssue(opts: IssueOptions): Promise<IssueOutcome> {
  const { month } = opts;
  if (!isMonth(month)) throw new CasepipeError('CONFIG_INVALID', `not a month: ${JSON.stringify(month)}`);
  const date = opts.date ?? formatCstTime(opts.now?.() ?? new Date()).slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(date))) throw new CasepipeError('CONFIG_INVALID', `--date must be YYYY-MM-DD, got ${JSON.stringify(date)}`);
  const version = latestVersion(opts.snapshotsDir, month);
  if (version === undefined) throw new CasepipeError('SNAPSHOT_NOT_FOUND', `no snapshot of ${month} in ${opts.snapshotsDir}; the issue's section 一 comes from it`);
  const settings = opts.settings ?? loadIssueSettings();
  const folder = path.join(opts.issuesDir, month);
  const content: IssueContent = {
    settings,
    month,
    number: issueNumber(opts.issuesDir, month, settings),
    date,
    figures: readFigures(opts.snapshotsDir, month, version),
    previousMonth: latestFigures(opts.snapshotsDir, addMonths(month, -1)),
    previousYear: latestFigures(opts.snapshotsDir, addMonths(month, -12)),
    prose: readProseSections(folder),
  };
  fs.mkdirSync(folder, { recursive: true });
  const base = path.join(folder, `${settings.title}-${month}-第${content.number}期`);
  const html = path.join(folder, 'issue.html');
  fs.writeFileSync(html, renderIssueHtml(content));
  fs.writeFileSync(`${base}.docx`, await renderIssueDocx(content));
  const printer = opts.printer ?? (await launchHtmlPrinter());
  try {
    await printer.printPdf(html, `${base}.pdf`, PAGE_FOOTER_HTML);
  } catch (err) {
    if (err instanceof CasepipeError) throw err;
    throw new CasepipeError('RENDER_FAILED', `printing ${html} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    if (!opts.printer) await printer.close();
  }
  const record: IssueRecord = { month, number: content.number, date, snapshotVersion: version, files: [`${base}.docx`, `${base}.pdf`].map((f) => path.basename(f)) };
  fs.writeFileSync(issueRecordFile(opts.issuesDir, month), `${JSON.stringify(record, null, 2)}\n`);
  return {
    record,
    folder,
    docx: `${base}.docx`,
    pdf: `${base}.pdf`,
    html,
    missingSections: content.prose.filter((p) => p.file === null).map((p) => `${p.numeral}、${p.heading}`),
  };
}
