/**
 * The whole monthly issue from a real snapshot: the PDF printed by headless Chromium is A4, its pages
 * render to PNG (pdftoppm) and carry the masthead (title, 第N期 numbered on from the previous issue,
 * the centre, the date), section 一 from the snapshot, the staff's prose, an empty 三 with its note,
 * the 报/发 footer and page numbers — N —; the .docx has the same parts, A4 and a PAGE field. The PNG
 * pages stay in .data/issue-pages/ for a person to look at.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import JSZip from 'jszip';
import { generateMonth } from '../../services/demo/month-generator.js';
import { publishIssue, type IssueOutcome } from '../../services/issue/monthly-issue.js';
import { loadIssueSettings } from '../../services/issue/issue-settings.js';
import { launchHtmlPrinter, type HtmlPrinter } from '../../services/report/html-printer.js';
import { renderOverviewParagraph } from '../../services/report/paragraph.js';
import { latestFigures } from '../../services/snapshot/snapshot-folder.js';
import { openMonthStore, type MonthStore } from '../../services/snapshot/testing/month-store.js';
import { pdfPagesText, pdfToPngs, requireTool } from '../fixtures/render-tools.js';
import { execFileSync } from 'node:child_process';

const TARGETS = { fullOnlineReceived: 300, fullOnlineCompleted: 310, windowReceived: 10, windowDelivered: 20, mailed: 5, phoneConsultations: 8, onsiteConsultations: 12 };
const SECTION_2 = `8月27日,全省数字政府建设暨领导干部应用人工智能培训在成都举行。

王晓晖指出,加强数字政府建设,是推进国家治理体系和治理能力现代化的重要举措。
`;
const SECTION_4 = `- (一)8月1日,民政厅出台《四川省社会组织年度检查办法》强化社会组织日常监管。
- (二)8月4日,省药监局许可(备案)系统医疗器械生产许可模块优化升级上线运行。
`;
const flat = (s: string) => s.replace(/\s+/g, '');

describe('the monthly issue (docx + PDF by Chromium)', () => {
  let ms: MonthStore;
  let printer: HtmlPrinter;
  let issuesDir: string;
  let out: IssueOutcome;

  beforeAll(async () => {
    requireTool('pdftoppm');
    ms = await openMonthStore('casepipe-issue-');
    for (const [i, month] of ['2025-07', '2025-08'].entries()) await ms.apply(generateMonth({ month, seed: 60 + i, targets: TARGETS }).events);
    await ms.snapshot('2025-07');
    await ms.snapshot('2025-08');
    issuesDir = path.join(ms.dir, 'issues');
    // July's issue was 第7期; the staff wrote 二 and 四 for August, not 三.
    fs.mkdirSync(path.join(issuesDir, '2025-07'), { recursive: true });
    fs.writeFileSync(path.join(issuesDir, '2025-07', 'issue.json'), JSON.stringify({ month: '2025-07', number: 7, date: '2025-08-26', snapshotVersion: 1, files: [] }));
    fs.mkdirSync(path.join(issuesDir, '2025-08'), { recursive: true });
    fs.writeFileSync(path.join(issuesDir, '2025-08', '2.md'), SECTION_2);
    fs.writeFileSync(path.join(issuesDir, '2025-08', '四-窗口资讯.md'), SECTION_4);
    printer = await launchHtmlPrinter();
    out = await publishIssue({ month: '2025-08', date: '2025-09-26', issuesDir, snapshotsDir: ms.snapshotsDir, printer });
  });
  afterAll(async () => {
    await printer?.close();
    ms?.dispose();
  });

  it('prints an A4 PDF whose pages carry the masthead, section 一, the prose, the footer and — N —', () => {
    const settings = loadIssueSettings();
    expect(out.record).toMatchObject({ month: '2025-08', number: 8, date: '2025-09-26', snapshotVersion: 1 });
    expect(out.missingSections).toEqual(['三、重点工作推进情况']);
    const pages = pdfPagesText(out.pdf);
    expect(pages.length).toBeGreaterThanOrEqual(2);
    const all = flat(pages.join(''));
    for (const text of [settings.title, '第8期', settings.issuer, '2025年9月26日', '一、2025年8月总体运行情况', '二、政务工作动态', '三、重点工作推进情况', '(本期暂无内容)', '四、窗口资讯', `报:${settings.distribution.报}`, `发:${settings.distribution.发}`]) {
      expect(all).toContain(flat(text));
    }
    expect(all).toContain(flat(renderOverviewParagraph(latestFigures(ms.snapshotsDir, '2025-08')!)));
    expect(all).toContain(flat('王晓晖指出,加强数字政府建设'));
    expect(all).toContain(flat('(二)8月4日,省药监局'));
    pages.forEach((p, i) => expect(flat(p)).toContain(`—${i + 1}—`));
    const size = /Page size:\s+([\d.]+) x ([\d.]+)/.exec(execFileSync(requireTool('pdfinfo'), [out.pdf], { encoding: 'utf8' }))!;
    // A4 is 595.3 x 841.9 pt; Chromium rounds it to whole hundredths of an inch (595.9 x 842.9).
    expect(Math.abs(Number(size[1]) - 595.3)).toBeLessThan(1);
    expect(Math.abs(Number(size[2]) - 841.9)).toBeLessThan(1.5);
    // Every page renders to an image.
    const pngDir = path.resolve('.data/issue-pages');
    fs.rmSync(pngDir, { recursive: true, force: true });
    fs.mkdirSync(pngDir, { recursive: true });
    const pngs = pdfToPngs(out.pdf, path.join(pngDir, 'page'), 60);
    expect(pngs).toHaveLength(pages.length);
    for (const png of pngs) expect(fs.readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
  });

  it('writes a .docx with the same parts, A4 and page numbers', async () => {
    const zip = await JSZip.loadAsync(fs.readFileSync(out.docx));
    const document = await zip.file('word/document.xml')!.async('string');
    const text = flat(document.replace(/<[^>]+>/g, ''));
    for (const t of ['政务窗口月报', '第8期', '2025年9月26日', '一、2025年8月总体运行情况', '(本期暂无内容)', '报:', '(一)8月1日']) expect(text).toContain(flat(t));
    expect(document).toContain('w:w="11906"'); // A4 width
    expect(document).toContain('w:eastAsia="仿宋"');
    const footers = await Promise.all(Object.keys(zip.files).filter((n) => /^word\/footer\d*\.xml$/.test(n)).map((n) => zip.file(n)!.async('string')));
    expect(footers.join('')).toMatch(/— <\/w:t>.*PAGE.*<w:t[^>]*> —/s);
  });

  it('keeps a month’s number when issued again, and numbers September on', async () => {
    const again = await publishIssue({ month: '2025-08', date: '2025-09-27', issuesDir, snapshotsDir: ms.snapshotsDir, printer });
    expect(again.record.number).toBe(8);
    await expect(publishIssue({ month: '2025-09', issuesDir, snapshotsDir: ms.snapshotsDir, printer })).rejects.toMatchObject({ code: 'SNAPSHOT_NOT_FOUND' });
  });

  it('casepipe issue names the files and the missing section', async () => {
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const env: NodeJS.ProcessEnv = { ...process.env, CASEPIPE_DATA_DIR: ms.dir, LOG_LEVEL: 'silent' };
      delete env.KAFKA_BROKERS;
      const child = spawn(process.execPath, ['bin/casepipe.js', 'issue', '--month', '2025-08', '--date', '2025-09-28'], { env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain('第8期 (2025-08, snapshot v1, dated 2025-09-28)');
    expect(r.stdout).toContain(`${path.join(issuesDir, '2025-08', '政务窗口月报-2025-08-第8期')}.pdf`);
    expect(r.stdout).toContain(`note: no file for 三、重点工作推进情况; it is printed empty (put the text in ${path.join(issuesDir, '2025-08', '3.md')})`);
  });
});
