/**
 * The issue as a Word document (the `docx` package), for staff who edit before they publish: A4,
 * 仿宋 三号 for the text, 黑体 for headings, the red masthead, section 一's tables, the prose
 * sections, the 报/发 footer, and page numbers as — 3 — at the foot of every page.
 */
import {
  AlignmentType,
  BorderStyle,
  Document,
  Footer,
  Packer,
  PageNumber,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import { FIGURE_KEYS, FIGURE_LABELS } from '../figures/window-figures.js';
import { formatChange, formatFigure } from '../report/number-format.js';
import { SHORT_LABELS, TOTAL_LABEL } from '../report/report-labels.js';
import { comparisonNotes } from '../report/report-markdown.js';
import { distributionLines, issueDateText, sectionOneHeading, sectionOneParagraph, type IssueContent } from './issue-content.js';
import { MISSING_PROSE_NOTE } from './prose-sections.js';

const SONG = '仿宋';
const HEI = '黑体';
/** docx sizes are half-points: 三号 16pt = 32. */
const SIZE_3 = 32;
const SIZE_TABLE = 21; // 五号 10.5pt
const RED = 'CC0000';
/** A4 in twentieths of a point, and the 公文 margins (37/35/28/26 mm). */
const A4 = { width: 11906, height: 16838 };
const mm = (n: number) => Math.round((n / 25.4) * 1440);

const run = (text: string, opts: { font?: string; size?: number; color?: string } = {}) =>
  new TextRun({ text, font: { eastAsia: opts.font ?? SONG, ascii: opts.font ?? SONG, hAnsi: opts.font ?? SONG }, size: opts.size ?? SIZE_3, color: opts.color });

const body = (text: string) => new Paragraph({ children: [run(text)], indent: { firstLine: 640 }, alignment: AlignmentType.JUSTIFIED, spacing: { line: 560, lineRule: 'exact' } });
const heading = (text: string) => new Paragraph({ children: [run(text, { font: HEI })], spacing: { before: 240, after: 120 } });
const note = (text: string) => new Paragraph({ children: [run(text, { size: 24, color: '555555' })] });

function table(header: string[], rows: string[][]): Table {
  const cell = (text: string, right: boolean, bold: boolean) =>
    new TableCell({ children: [new Paragraph({ alignment: right ? AlignmentType.RIGHT : AlignmentType.LEFT, children: [run(text, { size: SIZE_TABLE, font: bold ? HEI : SONG })] })] });
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [
      new TableRow({ tableHeader: true, children: header.map((h) => cell(h, false, true)) }),
      ...rows.map((r) => new TableRow({ children: r.map((v, i) => cell(v, i > 0, false)) })),
    ],
  });
}

export function buildIssueDocument(content: IssueContent): Document {
  const s = content.settings;
  const overview = FIGURE_KEYS.map((k) => {
    const v = content.figures.total[k];
    return [FIGURE_LABELS[k].zh, formatFigure(k, v), formatChange(v, content.previousMonth?.total[k]), formatChange(v, content.previousYear?.total[k])];
  });
  const departments = content.figures.departments.map((d) => [d.departmentName, ...FIGURE_KEYS.map((k) => String(d.figures[k]))]);
  departments.push([TOTAL_LABEL, ...FIGURE_KEYS.map((k) => String(content.figures.total[k]))]);
  const prose = content.prose.flatMap((section) => [
    heading(`${section.numeral}、${section.heading}`),
    ...(section.blocks.length === 0 ? [note(MISSING_PROSE_NOTE)] : section.blocks.map((b) => (b.kind === 'subheading' ? heading(b.text) : body(b.text)))),
  ]);
  const rule = { style: BorderStyle.SINGLE, size: 8, color: '000000', space: 4 };
  return new Document({
    creator: 'casepipe',
    title: `${s.title} 第${content.number}期`,
    sections: [
      {
        properties: { page: { size: A4, margin: { top: mm(37), bottom: mm(35), left: mm(28), right: mm(26) } } },
        footers: {
          default: new Footer({
            children: [new Paragraph({ alignment: AlignmentType.CENTER, children: [new TextRun({ children: ['— ', PageNumber.CURRENT, ' —'], size: 28, font: SONG })] })],
          }),
        },
        children: [
          new Paragraph({ alignment: AlignmentType.CENTER, children: [run(s.title, { font: HEI, size: 80, color: RED })] }),
          new Paragraph({ alignment: AlignmentType.CENTER, children: [run(`第${content.number}期`)] }),
          new Paragraph({
            children: [run(s.issuer, { size: 28 }), run('\t', { size: 28 }), run(issueDateText(content.date), { size: 28 })],
            tabStops: [{ type: 'right', position: A4.width - mm(28) - mm(26) }],
            border: { bottom: { style: BorderStyle.SINGLE, size: 16, color: RED, space: 4 } },
            spacing: { after: 240 },
          }),
          heading(sectionOneHeading(content.month)),
          body(sectionOneParagraph(content)),
          table(['指标', '数值', '环比', '同比'], overview),
          new Paragraph({ children: [] }),
          table(['部门', ...FIGURE_KEYS.map((k) => SHORT_LABELS[k])], departments),
          note(`单位:件;电话咨询、现场咨询为人(次)。${comparisonNotes(content).join('')}`),
          ...prose,
          ...distributionLines(content).map(
            (line, i) => new Paragraph({ children: [run(line, { size: 28 })], spacing: { before: i === 0 ? 480 : 0 }, border: i === 0 ? { top: rule } : { bottom: rule } }),
          ),
        ],
      },
    ],
  });
}

export function renderIssueDocx(content: IssueContent): Promise<Buffer> {
  return Packer.toBuffer(buildIssueDocument(content));
}
