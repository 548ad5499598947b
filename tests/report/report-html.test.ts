/**
 * report.html rendered by headless Chromium (Debian's chromium through playwright-core): the charts'
 * bars carry the figures of the last twelve months (a month without a snapshot is a gap, not a 0),
 * the departments are ranked by 办理事项, the paragraph and the tables are there, and the page makes
 * no network request. A screenshot is kept in .data/report-html.png for people to look at.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { addMonths } from '../../services/contract/month.js';
import { FIGURE_KEYS, type MonthFigures } from '../../services/figures/window-figures.js';
import { launchHtmlPrinter, type HtmlPrinter } from '../../services/report/html-printer.js';
import { renderOverviewParagraph } from '../../services/report/paragraph.js';
import { renderReportHtml } from '../../services/report/report-html.js';
import { sampleReportInput } from '../../services/report/test-figures.js';

describe('report.html in Chromium', () => {
  let printer: HtmlPrinter;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-html-'));
    printer = await launchHtmlPrinter();
  });
  afterAll(async () => {
    await printer?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('draws the eight figures over twelve months and the departments ranked, from the input', async () => {
    const input = sampleReportInput();
    // Snapshots for nine of the eleven earlier months: 2024-10 and 2025-03 have none.
    const history: MonthFigures[] = [];
    for (let back = 11; back >= 1; back--) {
      const month = addMonths(input.month, -back);
      if (month === '2024-10' || month === '2025-03') continue;
      const f = structuredClone(input.figures);
      f.month = month;
      for (const k of FIGURE_KEYS) f.total[k] = input.figures.total[k] - back * 100;
      history.push(f);
    }
    input.history = history;
    const file = path.join(dir, 'report.html');
    fs.writeFileSync(file, renderReportHtml(input));
    const requests: string[] = [];
    const page = await printer.open(file);
    page.on('request', (r) => requests.push(r.url()));
    try {
      const trends = await page.$$eval('svg[data-chart="trend"]', (svgs) =>
        svgs.map((svg) => ({
          figure: svg.getAttribute('data-figure'),
          bars: [...svg.querySelectorAll('g[data-month]')].map((g) => [g.getAttribute('data-month'), g.getAttribute('data-value')]),
          drawn: [...svg.querySelectorAll('rect')].map((r) => Number(r.getAttribute('height'))),
        })),
      );
      expect(trends.map((t) => t.figure)).toEqual([...FIGURE_KEYS]);
      for (const t of trends) {
        const k = t.figure as (typeof FIGURE_KEYS)[number];
        const expected = Array.from({ length: 12 }, (_, i) => {
          const month = addMonths(input.month, i - 11);
          const f = [...history, input.figures].find((h) => h.month === month);
          return [month, f ? String(f.total[k]) : ''];
        });
        expect(t.bars).toEqual(expected);
        expect(t.drawn).toHaveLength(10); // no bar for the two months without a snapshot
      }
      const ranking = await page.$$eval('svg[data-chart="ranking"] g[data-department]', (gs) => gs.map((g) => [g.getAttribute('data-department'), Number(g.getAttribute('data-value'))]));
      expect(ranking).toEqual([
        ['ZHCK', input.figures.departments.find((d) => d.departmentCode === 'ZHCK')!.figures.totalHandled],
        ['SCJGJ', 30900],
        ['JTYST', 20300],
        ['ZXFW', 0],
      ].sort((a, b) => Number(b[1]) - Number(a[1])));
      const text = await page.innerText('body');
      expect(text).toContain(renderOverviewParagraph(input.figures));
      expect(text).toContain('+5.0%');
      expect(await page.$$eval('table', (ts) => ts.length)).toBeGreaterThanOrEqual(3);
      fs.mkdirSync(path.resolve('.data'), { recursive: true });
      await page.screenshot({ path: path.resolve('.data/report-html.png'), fullPage: true });
    } finally {
      await page.close();
    }
    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
  });
});
