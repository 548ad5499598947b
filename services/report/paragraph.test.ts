import { monthTitle, renderOverviewParagraph } from './paragraph.js';
import { august2025 } from './test-figures.js';

describe('renderOverviewParagraph', () => {
  it('writes August 2025 exactly as the publisher did', () => {
    expect(renderOverviewParagraph(august2025())).toBe(
      '8月,省本级办理政务服务事项 5.25 万件。各进驻部门(单位)窗口共受理政务服务事项全程网办 5.09 万件,' +
        '办结政务服务事项全程网办 5.22 万件;综合窗口受理政务服务事项 0.16 万件,窗口出件量 0.34 万件;' +
        '政务大厅现场邮寄量 0.08 万件;为办事企业群众提供电话咨询 1093 人(次)、现场咨询服务 4811 人(次)。',
    );
  });

  it('uses the month of the figures and rounds each figure on its own', () => {
    const f = august2025();
    f.month = '2026-01';
    f.total.totalHandled = 52449;
    const text = renderOverviewParagraph(f);
    expect(text.startsWith('1月,省本级办理政务服务事项 5.24 万件。')).toBe(true);
  });

  it('titles months in Chinese', () => {
    expect(monthTitle('2025-08')).toBe('2025年8月');
    expect(monthTitle('2025-12')).toBe('2025年12月');
  });
});
