/**
 * The monthly window report as an Excel workbook, for the people who publish it (they work in Excel).
 * Sheets: 总体, 各部门, 数据质量, and 更正说明 when the version restates an earlier one
 * (docs/report.md). Values are numbers (counts, 万件 with format 0.00, changes as percentages) so
 * that people can compute with them; the 万件 value is rounded half up on integers first.
 */
import ExcelJS from 'exceljs';
import { FIGURE_KEYS, FIGURE_LABELS } from '../figures/window-figures.js';
import { changeRatio, countUnit, wanValue } from './number-format.js';
import { monthTitle } from './paragraph.js';
import type { ReportInput } from './report-input.js';
import { departmentFindingText } from './report-markdown.js';
import {
  departmentNames,
  formatCstTime,
  SHORT_LABELS,
  sortedDeadLetters,
  sum,
  TOTAL_LABEL,
  UNKNOWN_DEPARTMENT,
} from './report-labels.js';

export const SHEET_NAMES = {
  overview: '总体',
  departments: '各部门',
  quality: '数据质量',
  restatement: '更正说明',
} as const;

const PERCENT_FORMAT = '+0.0%;-0.0%;0.0%';
const COUNT_FORMAT = '0';
const NO_BASE = '—';

function styleHeader(sheet: ExcelJS.Worksheet, rowNumber = 1): void {
  const header = sheet.getRow(rowNumber);
  header.font = { bold: true };
  header.alignment = { vertical: 'middle', horizontal: 'center' };
  header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF7' } };
}

function freezeHeader(sheet: ExcelJS.Worksheet, columns = 0): void {
  sheet.views = [{ state: 'frozen', xSplit: columns, ySplit: 1 }];
}

function columnLetter(index1: number): string {
  let n = index1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = (n - 1 - r) / 26;
  }
  return s;
}

function addOverview(wb: ExcelJS.Workbook, input: ReportInput): void {
  const sheet = wb.addWorksheet(SHEET_NAMES.overview);
  sheet.columns = [
    { header: '指标', key: 'label', width: 28 },
    { header: '数值', key: 'count', width: 12, style: { numFmt: COUNT_FORMAT } },
    { header: '单位', key: 'unit', width: 8 },
    { header: '万件', key: 'wan', width: 10, style: { numFmt: '0.00' } },
    { header: '环比', key: 'mom', width: 10, style: { numFmt: PERCENT_FORMAT } },
    { header: '同比', key: 'yoy', width: 10, style: { numFmt: PERCENT_FORMAT } },
  ];
  for (const k of FIGURE_KEYS) {
    const v = input.figures.total[k];
    const cases = FIGURE_LABELS[k].unit === 'cases';
    sheet.addRow({
      label: FIGURE_LABELS[k].zh,
      count: v,
      unit: countUnit(k),
      wan: cases ? wanValue(v) : null,
      mom: input.previousMonth ? (changeRatio(v, input.previousMonth.total[k]) ?? NO_BASE) : NO_BASE,
      yoy: input.previousYear ? (changeRatio(v, input.previousYear.total[k]) ?? NO_BASE) : NO_BASE,
    });
  }
  styleHeader(sheet);
  freezeHeader(sheet);
  sheet.addRow([]);
  sheet.addRow([`政务窗口月报 ${monthTitle(input.month)} · v${input.version} · 快照时间 ${formatCstTime(input.createdAt)}(北京时间)`]);
  if (input.early) sheet.addRow([`数据未完整(暂定数):本快照在${monthTitle(input.month)}结束前提前生成,将由本月的正式快照取代`]);
  else if (input.provisional) sheet.addRow([`数据未完整(暂定数):快照时仍有 ${input.lag.total} 条事件未处理`]);
}

function addDepartments(wb: ExcelJS.Workbook, input: ReportInput): void {
  const sheet = wb.addWorksheet(SHEET_NAMES.departments);
  sheet.columns = [
    { header: '部门代码', key: 'code', width: 10 },
    { header: '部门名称', key: 'name', width: 24 },
    ...FIGURE_KEYS.map((k) => ({ header: SHORT_LABELS[k], key: k, width: 14, style: { numFmt: COUNT_FORMAT } })),
  ];
  for (const d of input.figures.departments) {
    sheet.addRow({ code: d.departmentCode, name: d.departmentName, ...d.figures });
  }
  const first = 2;
  const last = 1 + input.figures.departments.length;
  const totals: Record<string, unknown> = { code: TOTAL_LABEL, name: '' };
  FIGURE_KEYS.forEach((k, i) => {
    const col = columnLetter(3 + i);
    const value = input.figures.total[k];
    // A SUM over the rows, with the total as the cached result. When the store's total differs from
    // the rows' sum (it should not), the stored total is written as a plain value instead.
    const rowsSum = sum(input.figures.departments.map((d) => d.figures[k]));
    totals[k] = last >= first && rowsSum === value ? { formula: `SUM(${col}${first}:${col}${last})`, result: value } : value;
  });
  const totalRow = sheet.addRow(totals);
  totalRow.font = { bold: true };
  styleHeader(sheet);
  freezeHeader(sheet, 2);
}

function addQuality(wb: ExcelJS.Workbook, input: ReportInput): void {
  const sheet = wb.addWorksheet(SHEET_NAMES.quality);
  const q = input.quality;
  const names = departmentNames(input);
  const deadLetters = sortedDeadLetters(input);
  sheet.columns = [
    { header: '项目', key: 'a', width: 26 },
    { header: '数值', key: 'b', width: 14 },
    { header: '部门名称', key: 'c', width: 24 },
    { header: '条数', key: 'd', width: 10 },
  ];
  sheet.addRow(['月份', input.month]);
  sheet.addRow(['版本', input.version]);
  sheet.addRow(['快照时间(北京时间)', formatCstTime(input.createdAt)]);
  sheet.addRow(['数据状态', input.provisional ? '暂定(数据未完整)' : '完整']);
  sheet.addRow(['读取事件', q.eventsRead]);
  sheet.addRow(['丢弃重复', q.duplicatesDropped]);
  sheet.addRow(['死信', sum(deadLetters.map((d) => d.count))]);
  sheet.addRow(['迟到事件', q.lateEvents]);
  sheet.addRow(['滞后(未处理事件)', input.lag.total]);
  for (const p of [...input.lag.partitions].sort((a, b) => a.partition - b.partition)) {
    sheet.addRow([`滞后 分区 ${p.partition}`, p.lag]);
  }
  sheet.addRow([]);
  const dlHeader = sheet.addRow(['死信原因', '部门代码', '部门名称', '条数']);
  dlHeader.font = { bold: true };
  for (const d of deadLetters) {
    sheet.addRow([
      d.reason,
      d.departmentCode ?? NO_BASE,
      d.departmentCode ? (names.get(d.departmentCode) ?? '') : UNKNOWN_DEPARTMENT,
      d.count,
    ]);
  }
  if (q.restatedMonths?.length) {
    sheet.addRow([]);
    const rHeader = sheet.addRow(['已更正月份', '版本', '', '变化数值个数']);
    rHeader.font = { bold: true };
    for (const r of q.restatedMonths) sheet.addRow([r.month, r.version, '', r.changedValues]);
  }
  if (q.departmentFindings?.length) {
    sheet.addRow([]);
    sheet.addRow(['部门核对(以部门登记为准)']).font = { bold: true };
    for (const f of q.departmentFindings) sheet.addRow([f.departmentCode, f.issue === 'UNDECLARED' ? '未登记' : '名称不符', departmentFindingText(f)]);
  }
  styleHeader(sheet);
  freezeHeader(sheet);
}

function addRestatement(wb: ExcelJS.Workbook, input: ReportInput): void {
  if (!input.restatement) return;
  const names = departmentNames(input);
  const sheet = wb.addWorksheet(SHEET_NAMES.restatement);
  sheet.columns = [
    { header: '指标', key: 'figure', width: 28 },
    { header: '部门代码', key: 'code', width: 10 },
    { header: '部门名称', key: 'name', width: 24 },
    { header: `原值(v${input.restatement.previousVersion})`, key: 'old', width: 12 },
    { header: `新值(v${input.version})`, key: 'new', width: 12 },
    { header: '变化', key: 'delta', width: 10, style: { numFmt: '+0;-0;0' } },
  ];
  for (const d of input.restatement.diff) {
    sheet.addRow({
      figure: FIGURE_LABELS[d.figure].zh,
      code: d.departmentCode ?? TOTAL_LABEL,
      name: d.departmentCode ? (names.get(d.departmentCode) ?? '') : '',
      old: d.old,
      new: d.new,
      delta: d.new - d.old,
    });
  }
  styleHeader(sheet);
  freezeHeader(sheet);
}

/** Builds the workbook in memory (the snapshot job may prefer a buffer). */
export function buildReportWorkbook(input: ReportInput): ExcelJS.Workbook {
  const wb = new ExcelJS.Workbook();
  const created = typeof input.createdAt === 'string' ? new Date(input.createdAt) : input.createdAt;
  wb.creator = 'casepipe';
  wb.created = created;
  wb.modified = created;
  wb.title = `政务窗口月报 ${monthTitle(input.month)} v${input.version}`;
  addOverview(wb, input);
  addDepartments(wb, input);
  addQuality(wb, input);
  addRestatement(wb, input);
  return wb;
}

export async function writeReportXlsx(input: ReportInput, file: string): Promise<void> {
  await buildReportWorkbook(input).xlsx.writeFile(file);
}
