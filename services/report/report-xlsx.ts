/**
 * The monthly window report as an Excel workbook, for the people who publish it (they work in Excel).
 * Sheets: 总体 (with the report's paragraph), 各部门, 数据质量 (dead letters as a department × reason
 * table), and 更正说明 when the version restates an earlier one (docs/report.md). Every sheet prints on
 * A4 at the page's width, its header row repeated on every page, page numbers as — 3 —. Values are numbers (counts, 万件 with format 0.00, changes as percentages) so
 * that people can compute with them; the 万件 value is rounded half up on integers first.
 */
import type ExcelJS from 'exceljs';
import { lazyRequire } from '../platform/lazy-require.js';
import { FIGURE_KEYS, FIGURE_LABELS } from '../figures/window-figures.js';
import { changeRatio, countUnit, wanValue } from './number-format.js';
import { monthTitle, renderOverviewParagraph } from './paragraph.js';
import { comparisonNotes } from './report-markdown.js';
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

const excelJs = lazyRequire<typeof ExcelJS>('exceljs');

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

/** A4, as wide as the page allows (any number of pages down), the header row repeated on each page. */
function printSetup(sheet: ExcelJS.Worksheet, orientation: 'portrait' | 'landscape', titleRow = 1): void {
  sheet.pageSetup = {
    ...sheet.pageSetup,
    paperSize: 9, // A4
    orientation,
    fitToPage: true,
    fitToWidth: 1,
    fitToHeight: 0,
    horizontalCentered: true,
    margins: { left: 0.5, right: 0.5, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 },
    printTitlesRow: `${titleRow}:${titleRow}`,
  };
  sheet.headerFooter = { oddFooter: '&C— &P —' };
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
  printSetup(sheet, 'portrait');
  sheet.addRow([]);
  // The report's paragraph under the table, over the table's width, wrapped.
  const prose = (text: string, height: number) => {
    const row = sheet.addRow([text]);
    sheet.mergeCells(row.number, 1, row.number, 6);
    row.alignment = { wrapText: true, vertical: 'top' };
    row.height = height;
  };
  sheet.addRow([`政务窗口月报 ${monthTitle(input.month)} · v${input.version} · 快照时间 ${formatCstTime(input.createdAt)}(北京时间)`]).font = { bold: true };
  prose(renderOverviewParagraph(input.figures), 96);
  prose(comparisonNotes(input).join(''), 32);
  if (input.early) sheet.addRow([`数据未完整(暂定数):本快照在${monthTitle(input.month)}结束前提前生成,将由本月的正式快照取代`]);
  else if (input.provisional) sheet.addRow([`数据未完整(暂定数):快照时仍有 ${input.lag.total} 条事件未处理`]);
}

function addDepartments(wb: ExcelJS.Workbook, input: ReportInput): void {
  const sheet = wb.addWorksheet(SHEET_NAMES.departments);
  sheet.columns = [
    { header: '部门代码', key: 'code', width: 10 },
    { header: '部门名称', key: 'name', width: 24 },
    ...FIGURE_KEYS.map((k) => ({ header: SHORT_LABELS[k], key: k, width: 13, style: { numFmt: COUNT_FORMAT } })),
    { header: '办理事项环比', key: 'mom', width: 13, style: { numFmt: PERCENT_FORMAT } },
    { header: '办理事项同比', key: 'yoy', width: 13, style: { numFmt: PERCENT_FORMAT } },
  ];
  const change = (value: number, code: string, base: ReportInput['previousMonth']) =>
    base ? (changeRatio(value, base.departments.find((e) => e.departmentCode === code)?.figures.totalHandled ?? 0) ?? NO_BASE) : NO_BASE;
  for (const d of input.figures.departments) {
    const handled = d.figures.totalHandled;
    sheet.addRow({ code: d.departmentCode, name: d.departmentName, ...d.figures, mom: change(handled, d.departmentCode, input.previousMonth), yoy: change(handled, d.departmentCode, input.previousYear) });
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
  totals.mom = input.previousMonth ? (changeRatio(input.figures.total.totalHandled, input.previousMonth.total.totalHandled) ?? NO_BASE) : NO_BASE;
  totals.yoy = input.previousYear ? (changeRatio(input.figures.total.totalHandled, input.previousYear.total.totalHandled) ?? NO_BASE) : NO_BASE;
  const totalRow = sheet.addRow(totals);
  totalRow.font = { bold: true };
  styleHeader(sheet);
  freezeHeader(sheet, 2);
  printSetup(sheet, 'landscape');
  sheet.addRow([]);
  const note = sheet.addRow([`单位:件;电话咨询、现场咨询为人(次)。${comparisonNotes(input).join('')}`]);
  sheet.mergeCells(note.number, 1, note.number, 4 + FIGURE_KEYS.length);
  note.alignment = { wrapText: true, vertical: 'top' };
  note.height = 32;
}

function addQuality(wb: ExcelJS.Workbook, input: ReportInput): void {
  const sheet = wb.addWorksheet(SHEET_NAMES.quality);
  const q = input.quality;
  const names = departmentNames(input);
  const deadLetters = sortedDeadLetters(input);
  sheet.columns = [
    { header: '项目', key: 'a', width: 30 },
    { header: '数值', key: 'b', width: 14 },
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
  // Dead letters as a cross table: one row per department (unknown last), one column per reason.
  sheet.addRow([]);
  const reasons = [...new Set(deadLetters.map((d) => d.reason))];
  const departments = [...new Set(deadLetters.map((d) => d.departmentCode))];
  const pivotHeader = sheet.addRow(['死信(条):部门 \\ 原因', ...reasons, TOTAL_LABEL]);
  pivotHeader.font = { bold: true };
  for (const code of departments) {
    const counts = reasons.map((r) => sum(deadLetters.filter((d) => d.reason === r && d.departmentCode === code).map((d) => d.count)));
    const label = code === null ? UNKNOWN_DEPARTMENT : `${code} ${names.get(code) ?? ''}`.trim();
    sheet.addRow([label, ...counts, sum(counts)]);
  }
  const totalsByReason = reasons.map((r) => sum(deadLetters.filter((d) => d.reason === r).map((d) => d.count)));
  sheet.addRow([TOTAL_LABEL, ...totalsByReason, sum(totalsByReason)]).font = { bold: true };
  if (deadLetters.length === 0) sheet.addRow(['本月无死信记录。']);
  for (let c = 2; c <= reasons.length + 2; c++) sheet.getColumn(c).width = Math.max(sheet.getColumn(c).width ?? 10, 14);
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
  printSetup(sheet, 'landscape');
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
  printSetup(sheet, 'landscape');
}

/** Builds the workbook in memory (the snapshot job may prefer a buffer). */
export function buildReportWorkbook(input: ReportInput): ExcelJS.Workbook {
  const wb = new (excelJs().Workbook)();
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
