/**
 * The issue as HTML for Chromium to print (A4): a red masthead (title, 第N期, issuing centre and date),
 * section 一 with its tables from the snapshot, the staff's prose sections, the 报/发 footer.
 * 仿宋 for the text and 黑体 for headings where those fonts exist (Noto CJK or WenQuanYi otherwise).
 * Page numbers (— 3 —) are Chromium's footer: PAGE_FOOTER_HTML.
 */
import { esc, departmentTable, overviewTable } from '../report/report-html.js';
import { comparisonNotes } from '../report/report-markdown.js';
import { distributionLines, issueDateText, sectionOneHeading, sectionOneParagraph, type IssueContent } from './issue-content.js';
import { MISSING_PROSE_NOTE } from './prose-sections.js';

const SONG = `"FangSong", "仿宋", "FangSong_GB2312", "仿宋_GB2312", "STFangsong", "Noto Serif CJK SC", "WenQuanYi Zen Hei", serif`;
const HEI = `"SimHei", "黑体", "Noto Sans CJK SC", "WenQuanYi Zen Hei", sans-serif`;

export const PAGE_FOOTER_HTML = `<div style="width:100%;text-align:center;font-size:14pt;font-family:${SONG.replaceAll('"', "'")};">— <span class="pageNumber"></span> —</div>`;

const STYLE = `
@page { size: A4; }
body { font-family: ${SONG}; font-size: 16pt; line-height: 1.75; margin: 0; color: #000; }
.masthead { text-align: center; color: #c00; }
.masthead .title { font-family: ${HEI}; font-size: 40pt; letter-spacing: 0.1em; margin-top: 0.4em; }
.masthead .number { color: #000; font-size: 16pt; margin: 0.3em 0; }
.masthead .line { display: flex; justify-content: space-between; color: #000; font-size: 14pt; }
.masthead hr { border: 0; border-top: 2px solid #c00; margin: 0.2em 0 1em; }
h2 { font-family: ${HEI}; font-size: 16pt; font-weight: normal; margin: 1em 0 0.3em; }
h3 { font-family: ${HEI}; font-size: 16pt; font-weight: normal; margin: 0.6em 0 0.2em; }
p { text-indent: 2em; margin: 0; text-align: justify; }
p.note { text-indent: 0; color: #555; font-size: 12pt; }
table { border-collapse: collapse; margin: 0.5em auto; font-size: 10.5pt; line-height: 1.4; }
th, td { border: 1px solid #000; padding: 1px 6px; }
th { font-family: ${HEI}; font-weight: normal; }
.num { text-align: right; }
.distribution { margin-top: 2em; border-top: 1px solid #000; border-bottom: 1px solid #000; font-size: 14pt; padding: 0.2em 0; }
.distribution p { text-indent: 0; }
`;

export function renderIssueHtml(content: IssueContent): string {
  const s = content.settings;
  const prose = content.prose.flatMap((section) => [
    `<h2>${esc(section.numeral)}、${esc(section.heading)}</h2>`,
    ...(section.blocks.length === 0
      ? [`<p class="note">${MISSING_PROSE_NOTE}</p>`]
      : section.blocks.map((b) => (b.kind === 'subheading' ? `<h3>${esc(b.text)}</h3>` : `<p>${esc(b.text)}</p>`))),
  ]);
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>${esc(s.title)} 第${content.number}期</title>
<style>${STYLE}</style>
</head>
<body>
<div class="masthead">
<div class="title">${esc(s.title)}</div>
<div class="number">第${content.number}期</div>
<div class="line"><span>${esc(s.issuer)}</span><span>${esc(issueDateText(content.date))}</span></div>
<hr>
</div>
<h2>${esc(sectionOneHeading(content.month))}</h2>
<p>${esc(sectionOneParagraph(content))}</p>
${overviewTable(content)}
${departmentTable(content.figures)}
<p class="note">单位:件;电话咨询、现场咨询为人(次)。${esc(comparisonNotes(content).join(''))}</p>
${prose.join('\n')}
<div class="distribution">${distributionLines(content)
    .map((l) => `<p>${esc(l)}</p>`)
    .join('')}</div>
</body>
</html>
`;
}
