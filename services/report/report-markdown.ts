/**
 * The monthly window report as markdown (docs/report.md describes the sections). Deterministic:
 * the same input gives the same bytes; nothing here reads the clock or the machine's TZ.
 */
import type { DepartmentFinding } from '../departments/department-registry.js';
import { addMonths } from '../contract/month.js';
import { FIGURE_KEYS, FIGURE_LABELS } from '../figures/window-figures.js';
import { countUnit, formatChange, formatFigure } from './number-format.js';
import { monthTitle, renderOverviewParagraph } from './paragraph.js';
import type { ReportInput } from './report-input.js';
import {
  departmentNames,
  formatCstTime,
  SHORT_LABELS,
  sortedDeadLetters,
  sum,
  TOTAL_LABEL,
  UNKNOWN_DEPARTMENT,
} from './report-labels.js';

function cell(text: string | number): string {
  return String(text).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function row(cells: (string | number)[]): string {
  return `| ${cells.map(cell).join(' | ')} |`;
}

function table(header: string[], align: ('l' | 'r')[], rows: (string | number)[][]): string[] {
  return [row(header), `| ${align.map((a) => (a === 'r' ? '---:' : '---')).join(' | ')} |`, ...rows.map(row)];
}

/**
 * What the 环比 and 同比 columns compare with, and a note for each one that has no earlier snapshot
 * (only then is a whole column "—").
 */
export function comparisonNotes(input: Pick<ReportInput, 'month' | 'previousMonth' | 'previousYear'>): string[] {
  const notes: string[] = [];
  const prevMonth = monthTitle(addMonths(input.month, -1));
  const prevYear = monthTitle(addMonths(input.month, -12));
  notes.push(input.previousMonth ? `环比对比 ${prevMonth}(该月最新快照)。` : `注:${prevMonth}没有快照,环比记为 —。`);
  notes.push(input.previousYear ? `同比对比 ${prevYear}(该月最新快照)。` : `注:${prevYear}没有快照,同比记为 —。`);
  if (input.previousMonth || input.previousYear) notes.push('基数为 0 时记为 —。');
  return [notes.join('')];
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

export function renderReportMarkdown(input: ReportInput): string {
  const title = monthTitle(input.month);
  const names = departmentNames(input);
  const out: string[] = [];

  out.push(`# 政务窗口月报 ${title}`, '');
  out.push(`版本 v${input.version} · 快照时间 ${formatCstTime(input.createdAt)}(北京时间)`, '');

  if (input.early) {
    out.push(`> **数据未完整(暂定数)**:本快照在${title}结束前提前生成,以下数字将由本月的正式快照取代。`, '');
  } else if (input.provisional) {
    const parts = [...input.lag.partitions]
      .sort((a, b) => a.partition - b.partition)
      .map((p) => `分区 ${p.partition}: ${p.lag}`)
      .join(',');
    out.push(
      `> **数据未完整(暂定数)**:快照时仍有 ${input.lag.total} 条事件未处理` +
        (parts ? `(${parts})` : '') +
        ',以下数字可能在后续版本中更正。',
      '',
    );
  }

  // 一、总体运行情况
  out.push(`## 一、${title}总体运行情况`, '', renderOverviewParagraph(input.figures), '');
  const prevM = input.previousMonth;
  const prevY = input.previousYear;
  const overview = FIGURE_KEYS.map((k) => {
    const v = input.figures.total[k];
    return [FIGURE_LABELS[k].zh, formatFigure(k, v), v, countUnit(k), formatChange(v, prevM?.total[k]), formatChange(v, prevY?.total[k])];
  });
  out.push(...table(['指标', '数值', '计数', '单位', '环比', '同比'], ['l', 'r', 'r', 'l', 'r', 'r'], overview), '');
  out.push(...comparisonNotes(input), '');

  // 各部门
  out.push('## 各部门', '');
  const deptTotal = (f: typeof prevM, code: string) => (f ? (f.departments.find((e) => e.departmentCode === code)?.figures.totalHandled ?? 0) : undefined);
  const deptRows = input.figures.departments.map((d) => [
    d.departmentCode,
    d.departmentName,
    ...FIGURE_KEYS.map((k) => d.figures[k]),
    formatChange(d.figures.totalHandled, deptTotal(prevM, d.departmentCode)),
    formatChange(d.figures.totalHandled, deptTotal(prevY, d.departmentCode)),
  ]);
  deptRows.push([
    `**${TOTAL_LABEL}**`,
    '',
    ...FIGURE_KEYS.map((k) => `**${input.figures.total[k]}**`),
    formatChange(input.figures.total.totalHandled, prevM?.total.totalHandled),
    formatChange(input.figures.total.totalHandled, prevY?.total.totalHandled),
  ]);
  out.push(
    ...table(
      ['代码', '部门', ...FIGURE_KEYS.map((k) => SHORT_LABELS[k]), '办理事项环比', '办理事项同比'],
      ['l', 'l', ...FIGURE_KEYS.map(() => 'r' as const), 'r', 'r'],
      deptRows,
    ),
    '',
    '单位:件;电话咨询、现场咨询为人(次)。',
    '',
  );

  // 数据质量
  const q = input.quality;
  const deadLetters = sortedDeadLetters(input);
  out.push('## 数据质量', '');
  out.push(`- 读取事件:${q.eventsRead} 条`);
  out.push(`- 丢弃重复:${q.duplicatesDropped} 条`);
  out.push(`- 死信:${sum(deadLetters.map((d) => d.count))} 条`);
  out.push(`- 迟到事件:${q.lateEvents} 条`);
  out.push(`- 快照时未处理事件(滞后):${input.lag.total} 条`, '');
  if (deadLetters.length) {
    out.push(
      ...table(
        ['原因', '部门代码', '部门', '条数'],
        ['l', 'l', 'l', 'r'],
        deadLetters.map((d) => [
          d.reason,
          d.departmentCode ?? '—',
          d.departmentCode ? (names.get(d.departmentCode) ?? '') : UNKNOWN_DEPARTMENT,
          d.count,
        ]),
      ),
      '',
    );
  } else {
    out.push('本月无死信记录。', '');
  }
  if (q.restatedMonths?.length) {
    out.push('已更正的月份:', '');
    for (const r of [...q.restatedMonths].sort((a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : 0))) {
      out.push(`- ${monthTitle(r.month)}:v${r.version},${r.changedValues} 个数值变化`);
    }
    out.push('');
  }
  if (q.departmentFindings?.length) {
    out.push('部门核对(部门名称以部门登记 pipelines/departments 为准):', '');
    for (const f of q.departmentFindings) out.push(`- ${departmentFindingText(f)}`);
    out.push('');
  }

  // 更正说明
  if (input.restatement) {
    const { previousVersion, diff } = input.restatement;
    out.push('## 更正说明', '');
    if (input.restatement.previousProvisional && !input.provisional) {
      out.push(`v${previousVersion} 为暂定数(快照时数据未完整);本版本(v${input.version})数据已完整,不再是暂定数。`, '');
    }
    if (diff.length === 0) {
      out.push(`本版本(v${input.version})与 v${previousVersion} 相比各项数字无变化。`, '');
    } else {
      out.push(`本版本(v${input.version})相对 v${previousVersion} 更正如下:`, '');
      out.push(
        ...table(
          ['指标', '范围', '原值', '新值', '变化'],
          ['l', 'l', 'r', 'r', 'r'],
          diff.map((d) => [
            FIGURE_LABELS[d.figure].zh,
            d.departmentCode === null
              ? TOTAL_LABEL
              : `${d.departmentCode} ${names.get(d.departmentCode) ?? ''}`.trim(),
            d.old,
            d.new,
            signed(d.new - d.old),
          ]),
        ),
        '',
      );
      const changedTotals = diff.filter((d) => d.departmentCode === null);
      // The published wording of each changed total, old → new.
      for (const d of changedTotals) {
        out.push(`- ${FIGURE_LABELS[d.figure].zh}:${formatFigure(d.figure, d.old)} → ${formatFigure(d.figure, d.new)}`);
      }
      if (changedTotals.length) out.push('');
    }
  }

  return out.join('\n');
}

/** One department finding in words (the markdown and the workbook say the same). */
export function departmentFindingText(f: DepartmentFinding): string {
  const reported = f.reportedNames.map((n) => `「${n}」`).join('、');
  return f.issue === 'UNDECLARED'
    ? `${f.departmentCode}:未在部门登记中声明,按代码计入;事件所报名称 ${reported}`
    : `${f.departmentCode}:登记名称「${f.registryName}」,事件所报名称 ${reported}`;
}
