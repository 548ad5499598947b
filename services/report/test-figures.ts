/** August 2025 as published (the published 政务窗口月报 第8期), for the report's tests. */
import type { MonthFigures, WindowFigures } from '../figures/window-figures.js';
import type { ReportInput } from './report-input.js';
import { AUGUST_2025_PUBLISHED } from '../figures/reference-2025-08.js';

export const AUGUST_2025_TOTAL: WindowFigures = { ...AUGUST_2025_PUBLISHED };

/** Splits the August total over four departments so that the rows add up to the total. */
export function august2025(): MonthFigures {
  const t = AUGUST_2025_TOTAL;
  const jtyst: WindowFigures = {
    totalHandled: 20300,
    fullOnlineReceived: 20000,
    fullOnlineCompleted: 21000,
    windowReceived: 300,
    windowDelivered: 1000,
    mailed: 200,
    phoneConsultations: 0,
    onsiteConsultations: 811,
  };
  const scjgj: WindowFigures = {
    totalHandled: 30900,
    fullOnlineReceived: 30000,
    fullOnlineCompleted: 30500,
    windowReceived: 900,
    windowDelivered: 2000,
    mailed: 500,
    phoneConsultations: 0,
    onsiteConsultations: 1000,
  };
  // The rest: cases to the comprehensive window's own 一件事 cases, consultations to the help desk.
  const zhck: WindowFigures = { ...t };
  const zxfw: WindowFigures = { ...t };
  for (const k of Object.keys(t) as (keyof WindowFigures)[]) {
    const rest = t[k] - jtyst[k] - scjgj[k];
    const consultation = k === 'phoneConsultations' || k === 'onsiteConsultations';
    zhck[k] = consultation ? 0 : rest;
    zxfw[k] = consultation ? rest : 0;
  }
  return {
    month: '2025-08',
    total: { ...t },
    departments: [
      { departmentCode: 'JTYST', departmentName: '交通运输厅', figures: jtyst },
      { departmentCode: 'SCJGJ', departmentName: '省市场监管局', figures: scjgj },
      { departmentCode: 'ZHCK', departmentName: '综合窗口', figures: zhck },
      { departmentCode: 'ZXFW', departmentName: '咨询服务台', figures: zxfw },
    ],
  };
}

/** A full report input for August 2025 (v2, restating v1), with every optional part set. */
export function sampleReportInput(): ReportInput {
  const figures = august2025();
  const previousMonth = august2025();
  previousMonth.month = '2025-07';
  previousMonth.total.totalHandled = 50000; // +5.0%
  previousMonth.total.mailed = 0; // no base: —
  const previousYear = august2025();
  previousYear.month = '2024-08';
  previousYear.total.phoneConsultations = 1100; // -0.6%
  return {
    month: '2025-08',
    version: 2,
    createdAt: '2025-09-03T18:30:00Z', // 2025-09-04 02:30:00 CST
    provisional: true,
    lag: { total: 12, partitions: [{ partition: 1, lag: 5 }, { partition: 0, lag: 7 }] },
    figures,
    previousMonth,
    previousYear,
    quality: {
      eventsRead: 151234,
      duplicatesDropped: 18321,
      deadLetters: [
        { reason: 'NOT_AVRO', departmentCode: null, count: 3 },
        { reason: 'MISSING_DELIVERY_METHOD', departmentCode: 'JTYST', count: 2 },
        { reason: 'INVALID_EVENT_TIME', departmentCode: 'SCJGJ', count: 1 },
      ],
      lateEvents: 17,
      restatedMonths: [{ month: '2025-07', version: 3, changedValues: 2 }],
    },
    restatement: {
      previousVersion: 1,
      diff: [
        { figure: 'totalHandled', departmentCode: null, old: 52490, new: 52500 },
        { figure: 'fullOnlineReceived', departmentCode: 'JTYST', old: 19990, new: 20000 },
      ],
    },
  };
}
