/**
 * Section 一 of the window report: one sentence in the publisher's wording
 * (docs/counting.md, as the published August 2025 report writes it). ASCII commas,
 * semicolons and parentheses exactly as DOMAIN.md writes them; numbers per ./number-format.ts.
 */
import { parseMonth } from '../contract/month.js';
import type { MonthFigures } from '../figures/window-figures.js';
import { formatPersonTimes, formatWan } from './number-format.js';

export function renderOverviewParagraph(figures: MonthFigures): string {
  const { month } = parseMonth(figures.month);
  const t = figures.total;
  return (
    `${month}月,省本级办理政务服务事项 ${formatWan(t.totalHandled)}。` +
    `各进驻部门(单位)窗口共受理政务服务事项全程网办 ${formatWan(t.fullOnlineReceived)},` +
    `办结政务服务事项全程网办 ${formatWan(t.fullOnlineCompleted)};` +
    `综合窗口受理政务服务事项 ${formatWan(t.windowReceived)},` +
    `窗口出件量 ${formatWan(t.windowDelivered)};` +
    `政务大厅现场邮寄量 ${formatWan(t.mailed)};` +
    `为办事企业群众提供电话咨询 ${formatPersonTimes(t.phoneConsultations)}、` +
    `现场咨询服务 ${formatPersonTimes(t.onsiteConsultations)}。`
  );
}

/** `2025年8月` */
export function monthTitle(month: string): string {
  const { year, month: m } = parseMonth(month);
  return `${year}年${m}月`;
}
