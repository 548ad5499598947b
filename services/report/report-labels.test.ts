/** The report's short headers and shared helpers, with the expected text written out. */
import { describe, expect, it } from '@jest/globals';
import { FIGURE_KEYS } from '../figures/window-figures.js';
import { departmentNames, formatCstTime, SHORT_LABELS, sortedDeadLetters, sum, TOTAL_LABEL, UNKNOWN_DEPARTMENT } from './report-labels.js';
import { sampleReportInput } from './test-figures.js';

describe('report labels', () => {
  it('has a short column header for every figure, in the report order', () => {
    expect(FIGURE_KEYS.map((k) => SHORT_LABELS[k])).toEqual(['办理事项', '全程网办受理', '全程网办办结', '综合窗口受理', '窗口出件', '现场邮寄', '电话咨询', '现场咨询']);
    expect(TOTAL_LABEL).toBe('合计');
    expect(UNKNOWN_DEPARTMENT).toBe('(未知部门)');
  });

  it('writes an instant in China Standard Time, whatever the machine zone', () => {
    expect(formatCstTime(new Date('2025-09-02T18:00:00Z'))).toBe('2025-09-03 02:00:00');
    expect(formatCstTime('2025-08-31T16:00:00.999Z')).toBe('2025-09-01 00:00:00');
    expect(formatCstTime('2025-12-31T15:59:59Z')).toBe('2025-12-31 23:59:59');
    expect(() => formatCstTime('not a date')).toThrow(new RangeError('not an instant: not a date'));
    expect(() => formatCstTime(new Date(Number.NaN))).toThrow(RangeError);
  });

  it('names departments from this month first, then the comparison months', () => {
    const input = sampleReportInput();
    const dept = (departmentCode: string, departmentName: string) => ({ departmentCode, departmentName, figures: input.figures.total });
    input.figures = { ...input.figures, departments: [dept('A', '甲厅')] };
    input.previousMonth = { ...input.figures, departments: [dept('A', '甲厅(旧名)'), dept('B', '乙厅')] };
    input.previousYear = { ...input.figures, departments: [dept('B', '乙厅(旧名)'), dept('C', '丙厅')] };
    expect([...departmentNames(input)]).toEqual([['A', '甲厅'], ['B', '乙厅'], ['C', '丙厅']]);
    input.previousMonth = undefined;
    expect([...departmentNames(input)]).toEqual([['A', '甲厅'], ['B', '乙厅(旧名)'], ['C', '丙厅']]);
  });

  it('sorts dead letters by reason, then department, unknown department last', () => {
    const input = sampleReportInput();
    input.quality.deadLetters = [
      { reason: 'NOT_AVRO', departmentCode: null, count: 1 },
      { reason: 'INVALID_FIELD', departmentCode: 'ZJT', count: 2 },
      { reason: 'NOT_AVRO', departmentCode: 'MZT', count: 3 },
      { reason: 'INVALID_FIELD', departmentCode: 'GAT', count: 4 },
      { reason: 'INVALID_FIELD', departmentCode: null, count: 5 },
      { reason: 'INVALID_FIELD', departmentCode: 'GAT', count: 6 },
    ];
    const before = [...input.quality.deadLetters];
    expect(sortedDeadLetters(input).map((d) => d.count)).toEqual([4, 6, 2, 5, 3, 1]);
    expect(input.quality.deadLetters).toEqual(before); // a sorted copy, the input untouched
  });

  it('adds up', () => {
    expect(sum([])).toBe(0);
    expect(sum([1, 2, 39])).toBe(42);
  });
});
