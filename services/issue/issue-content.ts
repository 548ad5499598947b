/** What one published issue is made of; the HTML/PDF and the .docx are both rendered from it. */
import type { Month, MonthFigures } from '../figures/window-figures.js';
import { monthTitle, renderOverviewParagraph } from '../report/paragraph.js';
import type { IssueSettings } from './issue-settings.js';
import type { ProseSection } from './prose-sections.js';

export interface IssueContent {
  settings: IssueSettings;
  month: Month;
  /** 第N期 */
  number: number;
  /** Issue date, YYYY-MM-DD. */
  date: string;
  figures: MonthFigures;
  previousMonth?: MonthFigures;
  previousYear?: MonthFigures;
  prose: ProseSection[];
}

/** `2025年9月26日` */
export function issueDateText(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return `${y}年${m}月${d}日`;
}

export function sectionOneHeading(month: Month): string {
  return `一、${monthTitle(month)}总体运行情况`;
}

export function sectionOneParagraph(content: IssueContent): string {
  return renderOverviewParagraph(content.figures);
}

/** The footer lines: `报:…` and `发:…`. */
export function distributionLines(content: IssueContent): string[] {
  return [`报:${content.settings.distribution.报}`, `发:${content.settings.distribution.发}`];
}
