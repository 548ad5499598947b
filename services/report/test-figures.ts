/** August 2025 as published (shared/reference/window-monthly-report-2025-08.md), for the report's tests. */
import type { MonthFigures, WindowFigures } from '../figures/window-figures.js';

export const AUGUST_2025_TOTAL: WindowFigures = {
  totalHandled: 52500,
  fullOnlineReceived: 50900,
  fullOnlineCompleted: 52200,
  windowReceived: 1600,
  windowDelivered: 3400,
  mailed: 800,
  phoneConsultations: 1093,
  onsiteConsultations: 4811,
};

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
