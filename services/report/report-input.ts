/**
 * What the monthly report is rendered from. The snapshot job builds it from the snapshot and the
 * store's quality counters; rendering (markdown, xlsx) is a pure function of it, so `createdAt`
 * comes in rather than being read from the clock.
 */
import type { DepartmentFinding } from '../departments/department-registry.js';
import { FIGURE_KEYS, type FigureKey, type Month, type MonthFigures } from '../figures/window-figures.js';

export interface PartitionLag {
  partition: number;
  /** Messages on the case-events topic not yet counted when the snapshot was taken. */
  lag: number;
}

export interface ReportLag {
  total: number;
  partitions: PartitionLag[];
}

export interface DeadLetterCount {
  /** The dead-letter reason: the ErrorCode that sent the record there (e.g. `NOT_AVRO`). */
  reason: string;
  /** Null when the record could not be decoded far enough to know its department. */
  departmentCode: string | null;
  count: number;
}

export interface RestatedMonth {
  month: Month;
  /** The new version that restated it. */
  version: number;
  /** How many (figure, department-or-total) values changed. */
  changedValues: number;
}

export interface ReportQuality {
  eventsRead: number;
  duplicatesDropped: number;
  deadLetters: DeadLetterCount[];
  /** Events that arrived after their month's first snapshot had been taken. */
  lateEvents: number;
  /** Earlier months that late events restated since the last report. */
  restatedMonths?: RestatedMonth[];
  /** Counted departments the registry does not declare, or whose events carried another name. */
  departmentFindings?: DepartmentFinding[];
}

/** One changed value between two versions of a month's snapshot. */
export interface FigureDiff {
  figure: FigureKey;
  /** null = the total row. */
  departmentCode: string | null;
  old: number;
  new: number;
}

export interface Restatement {
  previousVersion: number;
  diff: FigureDiff[];
  /** True when the previous version was provisional and this one is not (it may then have no diff). */
  previousProvisional?: boolean;
}

export interface ReportInput {
  month: Month;
  /** Snapshot version, 1 for the first. */
  version: number;
  /** When the snapshot was taken (an instant; rendered in China Standard Time). */
  createdAt: Date | string;
  /** True when more than the lag threshold of events were unread, the lag could not be measured, or the month had not ended. */
  provisional: boolean;
  /** True when the snapshot was forced before the month ended (then also provisional). */
  early?: boolean;
  lag: ReportLag;
  figures: MonthFigures;
  /** The month before (环比), when its snapshot exists. */
  previousMonth?: MonthFigures;
  /** The same month a year before (同比), when its snapshot exists. */
  previousYear?: MonthFigures;
  /** The latest figures of the eleven months before, oldest first, where a snapshot exists (report.html's charts). */
  history?: MonthFigures[];
  quality: ReportQuality;
  /** Set when this version restates version N-1. */
  restatement?: Restatement;
}

/**
 * Every value that differs between two versions of a month's figures: total row first, then
 * departments by code; figures in the report's order. A department missing on one side counts as 0.
 */
export function diffMonthFigures(previous: MonthFigures, current: MonthFigures): FigureDiff[] {
  const out: FigureDiff[] = [];
  for (const figure of FIGURE_KEYS) {
    if (previous.total[figure] !== current.total[figure]) {
      out.push({ figure, departmentCode: null, old: previous.total[figure], new: current.total[figure] });
    }
  }
  const before = new Map(previous.departments.map((d) => [d.departmentCode, d.figures]));
  const after = new Map(current.departments.map((d) => [d.departmentCode, d.figures]));
  const codes = [...new Set([...before.keys(), ...after.keys()])].sort(compareCodes);
  for (const code of codes) {
    for (const figure of FIGURE_KEYS) {
      const o = before.get(code)?.[figure] ?? 0;
      const n = after.get(code)?.[figure] ?? 0;
      if (o !== n) out.push({ figure, departmentCode: code, old: o, new: n });
    }
  }
  return out;
}

/** Plain code-point order (never locale order), as MonthFigures sorts departments. */
export function compareCodes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
