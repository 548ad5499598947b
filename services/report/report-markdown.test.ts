import { renderReportMarkdown } from './report-markdown.js';
import { diffMonthFigures } from './report-input.js';
import { august2025, sampleReportInput } from './test-figures.js';

function section(md: string, heading: string): string {
  const start = md.indexOf(`${heading}\n`);
  if (start < 0) throw new Error(`no section ${heading} in:\n${md}`);
  const next = md.indexOf('\n## ', start + heading.length);
  return md.slice(start, next < 0 ? undefined : next);
}

describe('renderReportMarkdown', () => {
  const md = renderReportMarkdown(sampleReportInput());

  it('has the title, version and snapshot time in CST', () => {
    expect(md.startsWith('# 政务窗口月报 2025年8月\n')).toBe(true);
    expect(md).toContain('版本 v2 · 快照时间 2025-09-04 02:30:00(北京时间)');
  });

  it('warns when provisional, with the lag per partition in partition order', () => {
    expect(md).toContain('> **数据未完整(暂定数)**:快照时仍有 12 条事件未处理(分区 0: 7,分区 1: 5)');
    const final = renderReportMarkdown({ ...sampleReportInput(), provisional: false });
    expect(final).not.toContain('数据未完整');
  });

  it('writes section 一 with the paragraph and the eight figures with 环比 and 同比', () => {
    const s = section(md, '## 一、2025年8月总体运行情况');
    expect(s).toContain('8月,省本级办理政务服务事项 5.25 万件。');
    expect(s).toContain('| 指标 | 数值 | 计数 | 单位 | 环比 | 同比 |');
    expect(s).toContain('| 办理政务服务事项 | 5.25 万件 | 52500 | 件 | +5.0% | 0.0% |');
    expect(s).toContain('| 政务大厅现场邮寄量 | 0.08 万件 | 800 | 件 | — | 0.0% |');
    expect(s).toContain('| 电话咨询 | 1093 人(次) | 1093 | 人(次) | 0.0% | -0.6% |');
    expect(s).toContain('环比对比 2025年7月(该月最新快照)。同比对比 2024年8月(该月最新快照)。基数为 0 时记为 —。');
  });

  it('writes — with a footnote where there is no earlier snapshot to compare with', () => {
    const { previousMonth: _m, previousYear: _y, ...rest } = sampleReportInput();
    const s = section(renderReportMarkdown(rest), '## 一、2025年8月总体运行情况');
    expect(s).toContain('| 指标 | 数值 | 计数 | 单位 | 环比 | 同比 |\n');
    expect(s).toContain('| 办理政务服务事项 | 5.25 万件 | 52500 | 件 | — | — |');
    expect(s).toContain('注:2025年7月没有快照,环比记为 —。注:2024年8月没有快照,同比记为 —。');
    const { previousYear: _y2, ...onlyMonth } = sampleReportInput();
    const m = section(renderReportMarkdown(onlyMonth), '## 一、2025年8月总体运行情况');
    expect(m).toContain('| 办理政务服务事项 | 5.25 万件 | 52500 | 件 | +5.0% | — |');
    expect(m).toContain('环比对比 2025年7月(该月最新快照)。注:2024年8月没有快照,同比记为 —。');
  });

  it('gives each department its 办理事项 环比 and 同比', () => {
    const s = section(md, '## 各部门');
    expect(s).toContain('| 现场咨询 | 办理事项环比 | 办理事项同比 |');
    expect(s).toContain('| **合计** |  | **52500** | **50900** | **52200** | **1600** | **3400** | **800** | **1093** | **4811** | +5.0% | 0.0% |');
  });

  it('lists every department with raw counts and a total row', () => {
    const s = section(md, '## 各部门');
    expect(s).toContain(
      '| 代码 | 部门 | 办理事项 | 全程网办受理 | 全程网办办结 | 综合窗口受理 | 窗口出件 | 现场邮寄 | 电话咨询 | 现场咨询 |',
    );
    expect(s).toContain('| JTYST | 交通运输厅 | 20300 | 20000 | 21000 | 300 | 1000 | 200 | 0 | 811 |');
    expect(s).toContain('| **合计** |  | **52500** | **50900** | **52200** | **1600** | **3400** | **800** | **1093** | **4811** |');
    const rows = s.split('\n').filter((l) => /^\| [A-Z]+ \|/.test(l));
    expect(rows.map((l) => l.split(' | ')[0])).toEqual(['| JTYST', '| SCJGJ', '| ZHCK', '| ZXFW']);
  });

  it('reports data quality with dead letters by reason and department', () => {
    const s = section(md, '## 数据质量');
    expect(s).toContain('- 读取事件:151234 条');
    expect(s).toContain('- 丢弃重复:18321 条');
    expect(s).toContain('- 死信:6 条');
    expect(s).toContain('- 迟到事件:17 条');
    const lines = s.split('\n');
    const invalid = lines.indexOf('| INVALID_EVENT_TIME | SCJGJ | 省市场监管局 | 1 |');
    const missing = lines.indexOf('| MISSING_DELIVERY_METHOD | JTYST | 交通运输厅 | 2 |');
    const notAvro = lines.indexOf('| NOT_AVRO | — | (未知部门) | 3 |');
    expect(invalid).toBeGreaterThan(0);
    expect(missing).toBe(invalid + 1);
    expect(notAvro).toBe(missing + 1);
    expect(s).toContain('- 2025年7月:v3,2 个数值变化');
  });

  it('lists undeclared departments and names that differ from the registry in data quality', () => {
    const input = sampleReportInput();
    input.quality.departmentFindings = [
      { departmentCode: 'XYZ', issue: 'UNDECLARED', registryName: null, reportedNames: ['某某局'] },
      { departmentCode: 'YBJ', issue: 'NAME_DIFFERS', registryName: '省医保局', reportedNames: ['Ã¥ç', '省医保局'] },
    ];
    const s = section(renderReportMarkdown(input), '## 数据质量');
    expect(s).toContain('- XYZ:未在部门登记中声明,按代码计入;事件所报名称 「某某局」');
    expect(s).toContain('- YBJ:登记名称「省医保局」,事件所报名称 「Ã¥ç」、「省医保局」');
    expect(section(md, '## 数据质量')).not.toContain('部门核对');
  });

  it('explains a restatement relative to the previous version', () => {
    const s = section(md, '## 更正说明');
    expect(s).toContain('本版本(v2)相对 v1 更正如下:');
    expect(s).toContain('| 办理政务服务事项 | 合计 | 52490 | 52500 | +10 |');
    expect(s).toContain('| 受理政务服务事项全程网办 | JTYST 交通运输厅 | 19990 | 20000 | +10 |');
    expect(s).toContain('- 办理政务服务事项:5.25 万件 → 5.25 万件');
  });

  it('has no 更正说明 for a first version', () => {
    const { restatement: _r, ...rest } = sampleReportInput();
    expect(renderReportMarkdown({ ...rest, version: 1 })).not.toContain('更正说明');
  });

  it('is deterministic and independent of the machine clock', () => {
    expect(renderReportMarkdown(sampleReportInput())).toBe(md);
    expect(renderReportMarkdown({ ...sampleReportInput(), createdAt: new Date('2025-09-03T18:30:00Z') })).toBe(md);
  });
});

describe('diffMonthFigures', () => {
  it('lists changed totals first, then departments by code, a missing department as 0', () => {
    const before = august2025();
    const after = august2025();
    after.total.mailed += 1;
    after.departments[0].figures.mailed += 1;
    after.departments.push({
      departmentCode: 'AAA',
      departmentName: 'x',
      figures: { ...after.departments[0].figures, mailed: 0, totalHandled: 0, fullOnlineReceived: 0, fullOnlineCompleted: 0, windowReceived: 0, windowDelivered: 0, phoneConsultations: 0, onsiteConsultations: 1 },
    });
    expect(diffMonthFigures(before, after)).toEqual([
      { figure: 'mailed', departmentCode: null, old: 800, new: 801 },
      { figure: 'onsiteConsultations', departmentCode: 'AAA', old: 0, new: 1 },
      { figure: 'mailed', departmentCode: 'JTYST', old: 200, new: 201 },
    ]);
  });
});
