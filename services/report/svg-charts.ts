/**
 * The report's charts as inline SVG strings: no script, no network, no build step; a browser or a
 * mail client shows them as they are. Every bar carries its data (`data-month`, `data-department`,
 * `data-value`), so a test (or a curious reader) can check a chart against the figures.
 */
import { addMonths } from '../contract/month.js';
import { FIGURE_LABELS, type FigureKey, type Month, type MonthFigures } from '../figures/window-figures.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A round number ≥ max for the value axis (1, 2 or 5 times a power of ten). */
function niceMax(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((f) => f * p).find((v) => v >= max)!;
}

/**
 * One figure over the twelve months ending with `month`: a bar per month, the report month darker; a
 * month without a snapshot is a labelled gap (`data-value=""`), never a zero.
 */
export function monthTrendChart(figure: FigureKey, month: Month, months: MonthFigures[]): string {
  const byMonth = new Map(months.map((f) => [f.month, f.total[figure]]));
  const axis = Array.from({ length: 12 }, (_, i) => addMonths(month, i - 11));
  const values = axis.map((m) => byMonth.get(m));
  const top = niceMax(Math.max(0, ...values.map((v) => v ?? 0)));
  const [w, h, left, bottom, topPad] = [360, 170, 44, 26, 22];
  const slot = (w - left - 6) / 12;
  const plotH = h - bottom - topPad;
  const bars = axis.map((m, i) => {
    const v = values[i];
    const x = left + i * slot + slot * 0.15;
    const label = `<text x="${x + slot * 0.35}" y="${h - 10}" text-anchor="middle" font-size="9">${Number(m.slice(5))}月</text>`;
    if (v === undefined) {
      return `<g data-month="${m}" data-value=""><text x="${x + slot * 0.35}" y="${topPad + plotH - 2}" text-anchor="middle" font-size="8" fill="#999">无</text>${label}</g>`;
    }
    const bh = (v / top) * plotH;
    const fill = m === month ? '#b22222' : '#7a9cc6';
    return `<g data-month="${m}" data-value="${v}"><rect x="${x.toFixed(1)}" y="${(topPad + plotH - bh).toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${bh.toFixed(1)}" fill="${fill}"><title>${m}: ${v}</title></rect>${label}</g>`;
  });
  const unit = FIGURE_LABELS[figure].unit === 'cases' ? '件' : '人(次)';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" data-chart="trend" data-figure="${figure}" aria-label="${esc(FIGURE_LABELS[figure].zh)},近十二个月">`,
    `<text x="${left}" y="14" font-size="12" font-weight="bold">${esc(FIGURE_LABELS[figure].zh)}(${unit})</text>`,
    `<line x1="${left}" y1="${topPad + plotH}" x2="${w - 6}" y2="${topPad + plotH}" stroke="#333" stroke-width="0.8"/>`,
    `<text x="${left - 4}" y="${topPad + 4}" text-anchor="end" font-size="9">${top}</text>`,
    `<text x="${left - 4}" y="${topPad + plotH}" text-anchor="end" font-size="9">0</text>`,
    ...bars,
    '</svg>',
  ].join('');
}

/** Departments ranked by one figure in the month, largest first (ties by code). */
export function departmentRankingChart(figure: FigureKey, figures: MonthFigures): string {
  const rows = [...figures.departments]
    .map((d) => ({ code: d.departmentCode, name: d.departmentName, value: d.figures[figure] }))
    .sort((a, b) => b.value - a.value || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  const top = niceMax(Math.max(0, ...rows.map((r) => r.value)));
  const [w, rowH, left, right, topPad] = [720, 18, 170, 70, 24];
  const h = topPad + rows.length * rowH + 8;
  const plotW = w - left - right;
  const bars = rows.map((r, i) => {
    const y = topPad + i * rowH;
    const bw = (r.value / top) * plotW;
    return (
      `<g data-department="${esc(r.code)}" data-value="${r.value}">` +
      `<text x="${left - 6}" y="${y + 12}" text-anchor="end" font-size="11">${esc(r.name)}</text>` +
      `<rect x="${left}" y="${y + 2}" width="${bw.toFixed(1)}" height="${rowH - 5}" fill="#7a9cc6"/>` +
      `<text x="${(left + bw + 4).toFixed(1)}" y="${y + 12}" font-size="11">${r.value}</text></g>`
    );
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" data-chart="ranking" data-figure="${figure}" aria-label="各部门${esc(FIGURE_LABELS[figure].zh)}排名">`,
    `<text x="0" y="14" font-size="12" font-weight="bold">各部门${esc(FIGURE_LABELS[figure].zh)}(件)</text>`,
    ...bars,
    '</svg>',
  ].join('');
}
