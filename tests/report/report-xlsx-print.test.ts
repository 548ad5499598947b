/**
 * report.xlsx as the publishers print it: LibreOffice (headless) prints the workbook to PDF; each sheet
 * is one page wide on A4 (all ten department columns and the two change columns on every page), the
 * header row is repeated on the next page, and the page count stays small. Before the print setup, the
 * same workbook printed on Letter with 4 of the department columns per page.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeReportXlsx } from '../../services/report/report-xlsx.js';
import { sampleReportInput } from '../../services/report/test-figures.js';
import { libreOfficeToPdf, pdfPagesText, requireTool } from '../fixtures/render-tools.js';

describe('report.xlsx printed by LibreOffice', () => {
  let dir: string;
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints A4, one page wide, the header row on every page', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-xlsx-print-'));
    const input = sampleReportInput();
    // Ninety departments: more rows than one landscape page holds.
    const base = input.figures.departments[0];
    input.figures.departments = Array.from({ length: 90 }, (_, i) => ({ ...base, departmentCode: `D${String(i).padStart(3, '0')}`, departmentName: `测试部门${i}` }));
    const file = path.join(dir, 'report.xlsx');
    await writeReportXlsx(input, file);
    const pdf = libreOfficeToPdf(file, dir);
    const pages = pdfPagesText(pdf);
    // 总体 1, 各部门 2 (90 rows, landscape), 数据质量 1, 更正说明 1.
    expect(pages.length).toBe(5);
    const departmentPages = pages.filter((p) => p.includes('测试部门'));
    expect(departmentPages).toHaveLength(2);
    for (const p of departmentPages) {
      expect(p).toContain('部门名称'); // the header row, repeated
      expect(p).toContain('办理事项同比'); // the last column: the page is as wide as the sheet
      expect(p).toMatch(/—\s*\d+\s*—/); // page number
    }
    expect(pages[0]).toContain('8月,省本级办理政务服务事项');
    // A4 portrait in points: 595 x 842.
    const size = /Page size:\s+([\d.]+) x ([\d.]+)/.exec(execFileSync(requireTool('pdfinfo'), [pdf], { encoding: 'utf8' }))!;
    expect([Math.round(Number(size[1])), Math.round(Number(size[2]))]).toEqual([595, 842]);
  });
});
