/**
 * How the window report writes numbers (docs/counting.md "How the report writes numbers").
 *
 * Case figures are written in 万件 (10,000 cases) with two decimals, rounded half up. The rounding is
 * done on integers (a count of cases is an integer, 1 hundredth of 万件 = 100 cases), so there is no
 * float drift: 52,450 → 5.25 and 52,449 → 5.24 exactly. Negative values (differences) round half away
 * from zero, i.e. the magnitude is rounded half up and the sign put back.
 */
import { FIGURE_LABELS, type FigureKey } from '../figures/window-figures.js';

const CASES_PER_WAN_HUNDREDTH = 100;

function assertCount(n: number, what: string): void {
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(`${what} must be a safe integer, got ${String(n)}`);
  }
}

/** Integer division of non-negative integers, rounded half up. */
function divRoundHalfUp(numerator: number, denominator: number): number {
  const twice = 2 * numerator + denominator;
  return (twice - (twice % (2 * denominator))) / (2 * denominator);
}

/** A count of cases in hundredths of 万件, rounded half up (52,450 → 525). */
export function wanHundredths(count: number): number {
  assertCount(count, 'case count');
  const magnitude = divRoundHalfUp(Math.abs(count), CASES_PER_WAN_HUNDREDTH);
  return count < 0 ? -magnitude : magnitude;
}

/** The bare 万件 number with two decimals: 52,500 → `5.25`, 800 → `0.08`, 0 → `0.00`. */
export function formatWanNumber(count: number): string {
  const h = wanHundredths(count);
  const abs = Math.abs(h);
  const whole = (abs - (abs % 100)) / 100;
  const frac = abs % 100;
  return `${h < 0 ? '-' : ''}${whole}.${frac < 10 ? '0' : ''}${frac}`;
}

/** The 万件 value as a number for a spreadsheet cell (5.25): the nearest double to the exact decimal. */
export function wanValue(count: number): number {
  return wanHundredths(count) / 100;
}

/** `5.25 万件` */
export function formatWan(count: number): string {
  return `${formatWanNumber(count)} 万件`;
}

/** Consultations as whole person-times: `1093 人(次)` (ASCII parentheses, as the report writes them). */
export function formatPersonTimes(count: number): string {
  assertCount(count, 'consultation count');
  return `${count} 人(次)`;
}

/** A figure as the report writes it: 万件 for cases, 人(次) for consultations. */
export function formatFigure(key: FigureKey, count: number): string {
  return FIGURE_LABELS[key].unit === 'cases' ? formatWan(count) : formatPersonTimes(count);
}

/** Unit of a figure's raw count, in Chinese. */
export function countUnit(key: FigureKey): string {
  return FIGURE_LABELS[key].unit === 'cases' ? '件' : '人(次)';
}

/**
 * Change from `base` to `current` in tenths of a percent, rounded half away from zero, or null when
 * there is no base (missing or 0): (1032 vs 1000) → 32 (3.2%).
 */
export function changeTenthsOfPercent(current: number, base: number | null | undefined): number | null {
  if (base === null || base === undefined || base === 0) return null;
  assertCount(current, 'current value');
  assertCount(base, 'base value');
  const diff = current - base;
  const den = Math.abs(base);
  const magnitude = divRoundHalfUp(Math.abs(diff) * 1000, den);
  return (diff < 0) !== (base < 0) && diff !== 0 ? -magnitude : magnitude;
}

/** 环比 / 同比 as the report writes it: `+3.2%`, `-0.5%`, `0.0%`, or `—` when the base is 0 or missing. */
export function formatChange(current: number, base: number | null | undefined): string {
  const t = changeTenthsOfPercent(current, base);
  if (t === null) return '—';
  const abs = Math.abs(t);
  const text = `${(abs - (abs % 10)) / 10}.${abs % 10}%`;
  if (t > 0) return `+${text}`;
  if (t < 0) return `-${text}`;
  return text;
}

/** The change as a ratio for a spreadsheet cell formatted as a percentage, or null without a base. */
export function changeRatio(current: number, base: number | null | undefined): number | null {
  const t = changeTenthsOfPercent(current, base);
  return t === null ? null : t / 1000;
}
