/**
 * 第N期: each issue records its number in `<issues>/<YYYY-MM>/issue.json`; the next month's issue
 * is numbered on from the latest earlier one (from 1 again each January when numbering is yearly).
 * Issuing a month again keeps the number it already has.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Month } from '../figures/window-figures.js';
import type { IssueSettings } from './issue-settings.js';

export interface IssueRecord {
  month: Month;
  number: number;
  /** The issue date as printed, YYYY-MM-DD. */
  date: string;
  /** The snapshot version section 一 was taken from. */
  snapshotVersion: number;
  files: string[];
}

export function issueRecordFile(issuesDir: string, month: Month): string {
  return path.join(issuesDir, month, 'issue.json');
}

function readRecord(issuesDir: string, month: Month): IssueRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(issueRecordFile(issuesDir, month), 'utf8')) as IssueRecord;
  } catch {
    return undefined;
  }
}

export function issueNumber(issuesDir: string, month: Month, settings: Pick<IssueSettings, 'numbering' | 'firstNumber'>): number {
  const own = readRecord(issuesDir, month);
  if (own) return own.number;
  let months: string[] = [];
  try {
    months = fs.readdirSync(issuesDir).filter((m) => /^\d{4}-\d{2}$/.test(m) && m < month);
  } catch {
    // no issue yet
  }
  const previous = months
    .sort()
    .reverse()
    .map((m) => readRecord(issuesDir, m))
    .find((r) => r !== undefined);
  if (!previous) return settings.firstNumber;
  if (settings.numbering === 'yearly' && previous.month.slice(0, 4) !== month.slice(0, 4)) return 1;
  return previous.number + 1;
}
