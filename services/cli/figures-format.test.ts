/** `casepipe figures`: every column of the per-department table has its own header, over its numbers. */
import { FIGURE_KEYS } from '../figures/window-figures.js';
import { SHORT_LABELS } from '../report/report-labels.js';
import { august2025 } from '../report/test-figures.js';
import { formatFigures } from './commands/worker.js';

it('heads the department columns with distinct labels, each right-aligned over its column', () => {
  const lines = formatFigures(august2025()).split('\n');
  const header = lines.find((l) => l.trim().startsWith('部门'))!;
  const labels = header.trim().split(/\s+/).slice(1);
  expect(labels).toEqual(FIGURE_KEYS.map((k) => SHORT_LABELS[k]));
  expect(new Set(labels).size).toBe(FIGURE_KEYS.length);
  // Display width (a Chinese character takes two columns): header and rows end at the same column.
  const width = (s: string) => [...s].reduce((n, ch) => n + (/[\u1100-\uffef]/.test(ch) ? 2 : 1), 0);
  const row = lines.find((l) => l.trim().startsWith('JTYST'))!;
  expect(width(header)).toBe(width(row.slice(0, row.lastIndexOf('  '))));
});
