/** Short Chinese column headers and shared helpers of the report's renderers (markdown and xlsx). */
import { CST_OFFSET_MS } from '../contract/month.js';
import type { FigureKey, MonthFigures } from '../figures/window-figures.js';
import type { ReportInput } from './report-input.js';

/** Column headers of the per-department tables (the full wording is FIGURE_LABELS[k].zh). */
export const SHORT_LABELS: Record<FigureKey, string> = {
  totalHandled: '办理事项',
  fullOnlineReceived: '全程网办受理',
  fullOnlineCompleted: '全程网办办结',
  windowReceived: '综合窗口受理',
  windowDelivered: '窗口出件',
  mailed: '现场邮寄',
  phoneConsultations: '电话咨询',
  onsiteConsultations: '现场咨询',
};

export const TOTAL_LABEL = '合计';
export const UNKNOWN_DEPARTMENT = '(未知部门)';

/** `2025-09-03 02:00:00` in China Standard Time, whatever the machine's TZ. */
export function formatCstTime(instant: Date | string): string {
  const ms = typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  if (!Number.isFinite(ms)) throw new RangeError(`not an instant: ${String(instant)}`);
  const iso = new Date(ms + CST_OFFSET_MS).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** Department names known to this report (this month first, then the comparison months). */
export function departmentNames(input: ReportInput): Map<string, string> {
  const names = new Map<string, string>();
  const sources: (MonthFigures | undefined)[] = [input.figures, input.previousMonth, input.previousYear];
  for (const f of sources) {
    for (const d of f?.departments ?? []) if (!names.has(d.departmentCode)) names.set(d.departmentCode, d.departmentName);
  }
  return names;
}

/** Dead letters sorted by reason, then department (unknown last), for stable output. */
export function sortedDeadLetters(input: ReportInput): ReportInput['quality']['deadLetters'] {
  return [...input.quality.deadLetters].sort((a, b) => {
    if (a.reason !== b.reason) return a.reason < b.reason ? -1 : 1;
    const ac = a.departmentCode ?? '\uffff';
    const bc = b.departmentCode ?? '\uffff';
    return ac < bc ? -1 : ac > bc ? 1 : 0;
  });
}

export function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
