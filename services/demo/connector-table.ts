/**
 * The connectors' figures per department as the demo shows them: the biggest departments and the
 * totals on screen, every department in a file (one table, columns aligned for a terminal).
 */
import type { DepartmentRunSummary } from '../connectors/connector-runtime.js';
import type { Department } from '../departments/department-file.js';

const HEAD = ['department', 'type', 'read', 'published', 'refused', 'personal dropped', 'hashed'];

function describeType(d: Department | undefined): string {
  if (!d) return '?';
  const s = d.source as { type: string; format?: string; encoding?: string };
  if (s.type !== 'file-drop') return s.type;
  const format = s.format ?? 'csv';
  return format === 'xlsx' ? 'file xlsx' : `file ${format} ${s.encoding ?? 'auto'}`;
}

function refusedText(r: Record<string, number>): string {
  const parts = Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1));
  const n = parts.reduce((s, [, v]) => s + v, 0);
  return n === 0 ? '0' : `${n} (${parts.map(([k, v]) => `${k} ${v}`).join(', ')})`;
}

function align(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => width(r[i]))));
  return rows.map((r) => r.map((c, i) => (i >= 2 && i <= 6 && i !== 4 ? ' '.repeat(widths[i] - width(c)) + c : c + ' '.repeat(widths[i] - width(c)))).join('  ').trimEnd());
}

/** Display width: CJK characters take two columns. */
function width(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return w;
}

export function connectorTable(summaries: DepartmentRunSummary[], departments: Department[], top = 6): { summary: string[]; full: string[] } {
  const byCode = new Map(departments.map((d) => [d.code, d]));
  const sortedRows = [...summaries].sort((a, b) => b.read - a.read || (a.department < b.department ? -1 : 1));
  const row = (s: DepartmentRunSummary) => {
    const d = byCode.get(s.department);
    return [`${s.department} ${d?.name ?? ''}`, describeType(d), String(s.read), String(s.published), refusedText(s.refused), String(s.personalDropped), String(s.personalHashed)];
  };
  const totals: DepartmentRunSummary = { department: 'total', batches: 0, read: 0, published: 0, deadLettered: 0, refused: {}, personalDropped: 0, personalHashed: 0 };
  for (const s of summaries) {
    totals.read += s.read;
    totals.published += s.published;
    totals.personalDropped += s.personalDropped;
    totals.personalHashed += s.personalHashed;
    for (const [k, v] of Object.entries(s.refused)) totals.refused[k] = (totals.refused[k] ?? 0) + v;
  }
  const totalRow = [`all ${summaries.length} departments`, '', String(totals.read), String(totals.published), refusedText(totals.refused), String(totals.personalDropped), String(totals.personalHashed)];
  const full = align([HEAD, ...sortedRows.map(row), totalRow]);
  const shown = sortedRows.slice(0, top).map(row);
  const rest = sortedRows.slice(top);
  const restRow = rest.length > 0 ? [[`${rest.length} more departments`, '', String(rest.reduce((n, s) => n + s.read, 0)), String(rest.reduce((n, s) => n + s.published, 0)), String(rest.reduce((n, s) => n + s.deadLettered, 0)), String(rest.reduce((n, s) => n + s.personalDropped, 0)), String(rest.reduce((n, s) => n + s.personalHashed, 0))]] : [];
  const summary = align([HEAD, ...shown, ...restRow, totalRow]);
  return { summary: ['connectors (source records → case events):', ...summary], full };
}
