import { FIGURE_KEYS } from '../figures/window-figures.js';
import {
  changeRatio,
  changeTenthsOfPercent,
  countUnit,
  formatChange,
  formatFigure,
  formatPersonTimes,
  formatWan,
  formatWanNumber,
  wanHundredths,
  wanValue,
} from './number-format.js';

describe('formatWanNumber (万件, two decimals, half up, integer arithmetic)', () => {
  it.each([
    [52500, '5.25'],
    [52450, '5.25'],
    [52449, '5.24'],
    [800, '0.08'],
    [1600, '0.16'],
    [3400, '0.34'],
    [50900, '5.09'],
    [0, '0.00'],
    [49, '0.00'],
    [50, '0.01'],
    [99950, '10.00'],
    [1234567, '123.46'],
  ])('%d → %s', (count, text) => {
    expect(formatWanNumber(count)).toBe(text);
  });

  it('does not drift where float rounding would (10,050 → 1.01; 1.005 is 1.00499… as a double)', () => {
    expect(formatWanNumber(10050)).toBe('1.01');
    expect(formatWanNumber(1050)).toBe('0.11');
    expect((10050 / 10000).toFixed(2)).toBe('1.00'); // the float way gets it wrong
  });

  it('rounds negative differences half away from zero', () => {
    expect(formatWanNumber(-52450)).toBe('-5.25');
    expect(formatWanNumber(-49)).toBe('0.00');
    expect(wanHundredths(-50)).toBe(-1);
  });

  it('rejects non-integers', () => {
    expect(() => formatWanNumber(1.5)).toThrow(/safe integer/);
    expect(() => formatWanNumber(Number.NaN)).toThrow(/safe integer/);
  });

  it('gives the unit and the spreadsheet value', () => {
    expect(formatWan(52500)).toBe('5.25 万件');
    expect(wanValue(52500)).toBe(5.25);
    expect(wanValue(52449)).toBe(5.24);
  });
});

describe('person-times', () => {
  it('writes whole person-times', () => {
    expect(formatPersonTimes(1093)).toBe('1093 人(次)');
    expect(formatFigure('onsiteConsultations', 4811)).toBe('4811 人(次)');
    expect(formatFigure('mailed', 800)).toBe('0.08 万件');
  });
});

describe('formatChange (环比 / 同比)', () => {
  it.each([
    [1032, 1000, '+3.2%'],
    [995, 1000, '-0.5%'],
    [1000, 1000, '0.0%'],
    [52500, 50000, '+5.0%'],
    [10005, 10000, '+0.1%'], // 0.05% rounds half up
    [9995, 10000, '-0.1%'],
    [1, 3, '-66.7%'],
    [2, 3, '-33.3%'],
    [300, 100, '+200.0%'],
    [0, 100, '-100.0%'],
  ])('%d vs %d → %s', (current, base, text) => {
    expect(formatChange(current, base)).toBe(text);
  });

  it('writes — when the base is 0 or missing', () => {
    expect(formatChange(10, 0)).toBe('—');
    expect(formatChange(10, undefined)).toBe('—');
    expect(formatChange(10, null)).toBe('—');
    expect(changeRatio(10, 0)).toBeNull();
  });

  it('gives a ratio rounded like the text', () => {
    expect(changeRatio(1032, 1000)).toBeCloseTo(0.032, 10);
  });
});

describe('number format edges', () => {
  it('names what is not a count', () => {
    expect(() => wanHundredths(0.5)).toThrow(new RangeError('case count must be a safe integer, got 0.5'));
    expect(() => formatPersonTimes(2.5)).toThrow(new RangeError('consultation count must be a safe integer, got 2.5'));
    expect(() => formatChange(1.5, 10)).toThrow(new RangeError('current value must be a safe integer, got 1.5'));
    expect(() => formatChange(10, 2 ** 53)).toThrow(new RangeError('base value must be a safe integer, got 9007199254740992'));
    expect(formatWanNumber(2 ** 53 - 1)).toBe('900719925474.10');
  });

  it('rounds exactly at the half hundredth, both signs', () => {
    expect([49, 50, 149, 150, 151].map(wanHundredths)).toEqual([0, 1, 1, 2, 2]);
    expect([-49, -50, -149, -150].map(wanHundredths)).toEqual([-0, -1, -1, -2]);
    expect(wanHundredths(0)).toBe(0);
    expect(formatWanNumber(-800)).toBe('-0.08');
    expect(formatWanNumber(-1000)).toBe('-0.10');
    expect(formatWanNumber(99949)).toBe('9.99');
    expect(formatWanNumber(1000)).toBe('0.10');
    expect(formatWanNumber(950)).toBe('0.10');
    expect(wanValue(-52450)).toBe(-5.25);
  });

  it('gives each figure its unit', () => {
    expect(FIGURE_KEYS.map((k) => countUnit(k))).toEqual(['件', '件', '件', '件', '件', '件', '人(次)', '人(次)']);
    expect(FIGURE_KEYS.map((k) => formatFigure(k, 1093))).toEqual([
      '0.11 万件', '0.11 万件', '0.11 万件', '0.11 万件', '0.11 万件', '0.11 万件', '1093 人(次)', '1093 人(次)',
    ]);
  });

  it('changes in tenths of a percent, half away from zero, with the sign of the change', () => {
    expect(changeTenthsOfPercent(1032, 1000)).toBe(32);
    expect(changeTenthsOfPercent(968, 1000)).toBe(-32);
    expect(changeTenthsOfPercent(10005, 10000)).toBe(1);
    expect(changeTenthsOfPercent(10004, 10000)).toBe(0);
    expect(changeTenthsOfPercent(9995, 10000)).toBe(-1);
    expect(changeTenthsOfPercent(9996, 10000)).toBe(-0);
    expect(changeTenthsOfPercent(1000, 1000)).toBe(0);
    // A negative base (a difference) gives the sign of diff / base.
    expect(changeTenthsOfPercent(-50, -100)).toBe(-500);
    expect(changeTenthsOfPercent(-150, -100)).toBe(500);
    expect(changeTenthsOfPercent(-100, -100)).toBe(0);
    expect(changeTenthsOfPercent(5, 0)).toBeNull();
    expect(changeTenthsOfPercent(5, null)).toBeNull();
    expect(changeTenthsOfPercent(5, undefined)).toBeNull();
  });

  it('writes the change with its sign and one decimal', () => {
    expect(formatChange(1010, 1000)).toBe('+1.0%');
    expect(formatChange(990, 1000)).toBe('-1.0%');
    expect(formatChange(1001, 1000)).toBe('+0.1%');
    expect(formatChange(999, 1000)).toBe('-0.1%');
    expect(formatChange(9996, 10000)).toBe('0.0%');
    expect(formatChange(2100, 1000)).toBe('+110.0%');
    expect(changeRatio(968, 1000)).toBe(-0.032);
    expect(changeRatio(1000, 1000)).toBe(0);
    expect(changeRatio(10, undefined)).toBeNull();
  });
});
