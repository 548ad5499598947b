import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { SHEET_NAMES, writeReportXlsx } from './report-xlsx.js';
import { renderOverviewParagraph } from './paragraph.js';
import { sampleReportInput } from './test-figures.js';

describe('writeReportXlsx', () => {
  let dir: string;
  let wb: ExcelJS.Workbook;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'casepipe-report-'));
    const file = join(dir, 'report.xlsx');
    await writeReportXlsx(sampleReportInput(), file);
    wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function sheet(name: string): ExcelJS.Worksheet {
    const s = wb.getWorksheet(name);
    if (!s) throw new Error(`no sheet ${name}; sheets: ${wb.worksheets.map((w) => w.name).join(', ')}`);
    return s;
  }

  it('has the four sheets in order', () => {
    expect(wb.worksheets.map((w) => w.name)).toEqual(['总体', '各部门', '数据质量', '更正说明']);
  });

  it('writes the eight figures on 总体 with 万件 as a number formatted 0.00', () => {
    const s = sheet(SHEET_NAMES.overview);
    expect((s.getRow(1).values as unknown[]).slice(1)).toEqual(['指标', '数值', '单位', '万件', '环比', '同比']);
    expect(s.getCell('A2').value).toBe('办理政务服务事项');
    expect(s.getCell('B2').value).toBe(52500);
    expect(s.getCell('D2').value).toBe(5.25);
    expect(s.getCell('D2').numFmt).toBe('0.00');
    expect(s.getCell('E2').value).toBeCloseTo(0.05, 10); // 环比 +5.0%
    expect(s.getCell('E7').value).toBe('—'); // mailed: no base
    expect(s.getCell('A8').value).toBe('电话咨询');
    expect(s.getCell('B8').value).toBe(1093);
    expect(s.getCell('C8').value).toBe('人(次)');
    expect(s.getCell('D8').value).toBeNull();
    expect(s.getCell('F8').value).toBeCloseTo(-0.006, 10);
    expect(s.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
  });

  it('puts the report paragraph and the comparison note on the first sheet', () => {
    const texts: string[] = [];
    sheet(SHEET_NAMES.overview).eachRow((r) => texts.push(String(r.getCell(1).value)));
    expect(texts).toContain(renderOverviewParagraph(sampleReportInput().figures));
    expect(texts).toContain('环比对比 2025年7月(该月最新快照)。同比对比 2024年8月(该月最新快照)。基数为 0 时记为 —。');
  });

  it('prints every sheet on A4 at the page width with the header row repeated', () => {
    for (const s of wb.worksheets) {
      expect(s.pageSetup).toMatchObject({ paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: '1:1' });
    }
  });

  it('writes one row per department, frozen header, widths, and a SUM total row', () => {
    const s = sheet(SHEET_NAMES.departments);
    expect(s.getCell('A1').value).toBe('部门代码');
    expect(s.getCell('C1').value).toBe('办理事项');
    expect(s.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(s.getColumn(2).width).toBe(24);
    const codes = [2, 3, 4, 5].map((r) => s.getCell(`A${r}`).value);
    expect(codes).toEqual(['JTYST', 'SCJGJ', 'ZHCK', 'ZXFW']);
    expect(s.getCell('B2').value).toBe('交通运输厅');
    expect(s.getCell('C2').value).toBe(20300);
    expect(s.getCell('A6').value).toBe('合计');
    expect(s.getCell('C6').value).toEqual({ formula: 'SUM(C2:C5)', result: 52500 });
    expect(s.getCell('J6').value).toEqual({ formula: 'SUM(J2:J5)', result: 4811 });
    expect(s.getCell('K1').value).toBe('办理事项环比');
    expect(s.getCell('K6').value).toBeCloseTo(0.05, 10);
    expect(s.getCell('L6').value).toBe(0);
  });

  it('writes the data quality numbers and dead letters by reason and department', () => {
    const s = sheet(SHEET_NAMES.quality);
    const rows: unknown[][] = [];
    s.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
    expect(rows).toContainEqual(['读取事件', 151234]);
    expect(rows).toContainEqual(['丢弃重复', 18321]);
    expect(rows).toContainEqual(['死信', 6]);
    expect(rows).toContainEqual(['迟到事件', 17]);
    // Dead letters pivoted: departments down, reasons across, totals both ways.
    expect(rows).toContainEqual(['死信(条):部门 \\ 原因', 'INVALID_EVENT_TIME', 'MISSING_DELIVERY_METHOD', 'NOT_AVRO', '合计']);
    expect(rows).toContainEqual(['JTYST 交通运输厅', 0, 2, 0, 2]);
    expect(rows).toContainEqual(['SCJGJ 省市场监管局', 1, 0, 0, 1]);
    expect(rows).toContainEqual(['(未知部门)', 0, 0, 3, 3]);
    expect(rows).toContainEqual(['合计', 1, 2, 3, 6]);
  });

  it('writes the restatement sheet only when restated', async () => {
    const s = sheet(SHEET_NAMES.restatement);
    expect((s.getRow(2).values as unknown[]).slice(1)).toEqual(['办理政务服务事项', '合计', '', 52490, 52500, 10]);
    expect(s.getCell('D1').value).toBe('原值(v1)');

    const { restatement: _r, ...first } = sampleReportInput();
    const file = join(dir, 'v1.xlsx');
    await writeReportXlsx({ ...first, version: 1 }, file);
    const again = new ExcelJS.Workbook();
    await again.xlsx.readFile(file);
    expect(again.worksheets.map((w) => w.name)).toEqual(['总体', '各部门', '数据质量']);
  });
});
