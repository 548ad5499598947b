import {
  changeRatio,
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
