/**
 * The eight figures of the window report's section 一 (docs/counting.md), in the report's order.
 * totalHandled = fullOnlineReceived + windowReceived.
 */
export const FIGURE_KEYS = [
  'totalHandled', // 办理政务服务事项
  'fullOnlineReceived', // 受理政务服务事项全程网办
  'fullOnlineCompleted', // 办结政务服务事项全程网办
  'windowReceived', // 综合窗口受理政务服务事项
  'windowDelivered', // 窗口出件量
  'mailed', // 政务大厅现场邮寄量
  'phoneConsultations', // 电话咨询 人(次)
  'onsiteConsultations', // 现场咨询服务 人(次)
] as const;
export type FigureKey = (typeof FIGURE_KEYS)[number];
export type WindowFigures = Record<FigureKey, number>;

/** Chinese label of each figure as the report writes it, and its unit. */
export const FIGURE_LABELS: Record<FigureKey, { zh: string; unit: 'cases' | 'person-times' }> = {
  totalHandled: { zh: '办理政务服务事项', unit: 'cases' },
  fullOnlineReceived: { zh: '受理政务服务事项全程网办', unit: 'cases' },
  fullOnlineCompleted: { zh: '办结政务服务事项全程网办', unit: 'cases' },
  windowReceived: { zh: '综合窗口受理政务服务事项', unit: 'cases' },
  windowDelivered: { zh: '窗口出件量', unit: 'cases' },
  mailed: { zh: '政务大厅现场邮寄量', unit: 'cases' },
  phoneConsultations: { zh: '电话咨询', unit: 'person-times' },
  onsiteConsultations: { zh: '现场咨询服务', unit: 'person-times' },
};

export interface DepartmentFigures {
  departmentCode: string;
  departmentName: string;
  figures: WindowFigures;
}

/** A calendar month in China Standard Time, `YYYY-MM`. */
export type Month = string;

export interface MonthFigures {
  month: Month;
  total: WindowFigures;
  /** Sorted by department code. */
  departments: DepartmentFigures[];
}

export function emptyFigures(): WindowFigures {
  return Object.fromEntries(FIGURE_KEYS.map((k) => [k, 0])) as WindowFigures;
}
