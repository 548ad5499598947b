/**
 * report.html beside report.md: the paragraph, the tables and the charts (the eight figures over the
 * last twelve months, departments ranked for the month) in one self-contained file: inline CSS and
 * SVG, no script, no network. Deterministic like the markdown.
 */
import { FIGURE_KEYS, FIGURE_LABELS, type MonthFigures } from '../figures/window-figures.js';
import { countUnit, formatChange, formatFigure } from './number-format.js';
import { monthTitle, renderOverviewParagraph } from './paragraph.js';
import type { ReportInput } from './report-input.js';
import { formatCstTime, SHORT_LABELS, sortedDeadLetters, sum, TOTAL_LABEL, UNKNOWN_DEPARTMENT } from './report-labels.js';
import { comparisonNotes } from './report-markdown.js';
import { departmentRankingChart, monthTrendChart } from './svg-charts.js';

export const esc = (s: string | number) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** An HTML table; columns whose alignment is 'r' are right-aligned (numbers). */
export function htmlTable(header: string[], align: ('l' | 'r')[], rows: (string | number)[][], className = ''): string {
  const cell = (tag: string, v: string | number, i: number) => `<${tag}${align[i] === 'r' ? ' class="num"' : ''}>${esc(v)}</${tag}>`;
  return [
    `<table${className ? ` class="${className}"` : ''}><thead><tr>${header.map((h, i) => cell('th', h, i)).join('')}</tr></thead><tbody>`,
    ...rows.map((r) => `<tr>${r.map((v, i) => cell('td', v, i)).join('')}</tr>`),
    '</tbody></table>',
  ].join('\n');
}

/** Section 一's table: the eight figures as the report writes them, with 环比 and 同比. */
export function overviewTable(input: Pick<ReportInput, 'figures' | 'previousMonth' | 'previousYear'>): string {
  const rows = FIGURE_KEYS.map((k) => {
    const v = input.figures.total[k];
    return [FIGURE_LABELS[k].zh, formatFigure(k, v), formatChange(v, input.previousMonth?.total[k]), formatChange(v, input.previousYear?.total[k])];
  });
  return htmlTable(['指标', '数值', '环比', '同比'], ['l', 'r', 'r', 'r'], rows, 'overview');
}

/** Every department's raw counts, the total row last. */
export function departmentTable(figures: MonthFigures): string {
  const rows = figures.departments.map((d) => [d.departmentName, ...FIGURE_KEYS.map((k) => d.figures[k])]);
  rows.push([TOTAL_LABEL, ...FIGURE_KEYS.map((k) => figures.total[k])]);
  return htmlTable(['部门', ...FIGURE_KEYS.map((k) => SHORT_LABELS[k])], ['l', ...FIGURE_KEYS.map(() => 'r' as const)], rows, 'departments');
}

const STYLE = `
body { font-family: "FangSong", "仿宋", "STFangsong", "Noto Serif CJK SC", "Noto Serif CJK", serif; margin: 2em auto; max-width: 60em; color: #111; line-height: 1.6; }
h1, h2 { font-family: "SimHei", "黑体", "Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif; }
h1 { color: #b22222; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { border: 1px solid #999; padding: 2px 8px; }
th { background: #eef2f8; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #555; font-size: 0.85em; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; }
.provisional { border-left: 4px solid #b22222; padding-left: 8px; }
`;

export function renderReportHtml(input: ReportInput): string {
  const title = `政务窗口月报 ${monthTitle(input.month)}`;
  const months = [...(input.history ?? []), input.figures];
  const q = input.quality;
  const deadLetters = sortedDeadLetters(input);
  const names = new Map(input.figures.departments.map((d) => [d.departmentCode, d.departmentName]));
  const body = [
    `<h1>${esc(title)}</h1>`,
    `<p class="note">版本 v${input.version} · 快照时间 ${esc(formatCstTime(input.createdAt))}(北京时间)</p>`,
    input.provisional ? `<p class="provisional">数据未完整(暂定数):快照时仍有 ${input.lag.total} 条事件未处理,以下数字可能在后续版本中更正。</p>` : '',
    `<h2>一、${esc(monthTitle(input.month))}总体运行情况</h2>`,
    `<p>${esc(renderOverviewParagraph(input.figures))}</p>`,
    overviewTable(input),
    `<p class="note">${esc(comparisonNotes(input).join(''))}</p>`,
    '<h2>近十二个月</h2>',
    `<div class="charts">${FIGURE_KEYS.map((k) => monthTrendChart(k, input.month, months)).join('\n')}</div>`,
    `<p class="note">本月为红色;“无”表示该月没有快照。单位:${FIGURE_KEYS.map((k) => `${FIGURE_LABELS[k].zh} ${countUnit(k)}`).join(',')}。</p>`,
    '<h2>各部门</h2>',
    departmentRankingChart('totalHandled', input.figures),
    departmentTable(input.figures),
    '<p class="note">单位:件;电话咨询、现场咨询为人(次)。</p>',
    '<h2>数据质量</h2>',
    htmlTable(
      ['项目', '条数'],
      ['l', 'r'],
      [
        ['读取事件', q.eventsRead],
        ['丢弃重复', q.duplicatesDropped],
        ['死信', sum(deadLetters.map((d) => d.count))],
        ['迟到事件(首次快照之后到达)', q.lateEvents],
        ['快照时未处理事件(滞后)', input.lag.total],
      ],
    ),
    deadLetters.length
      ? htmlTable(
          ['原因', '部门', '条数'],
          ['l', 'l', 'r'],
          deadLetters.map((d) => [d.reason, d.departmentCode ? `${d.departmentCode} ${names.get(d.departmentCode) ?? ''}`.trim() : UNKNOWN_DEPARTMENT, d.count]),
        )
      : '<p>本月无死信记录。</p>',
    input.restatement
      ? `<h2>更正说明</h2><p>本版本(v${input.version})相对 v${input.restatement.previousVersion} 有 ${input.restatement.diff.length} 个数值变化,详见 report.md。</p>`
      : '',
  ];
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body.filter(Boolean).join('\n')}
</body>
</html>
`;
}
