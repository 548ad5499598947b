/**
 * Months are calendar months in China Standard Time (Asia/Shanghai, UTC+8, no DST since 1991),
 * whatever the machine's TZ. An event at 2025-08-31T16:30Z is 2025-09-01 00:30 local: September.
 */
import type { Month } from '../figures/window-figures.js';

export const CST_OFFSET_MS = 8 * 60 * 60 * 1000;
const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The CST month (`YYYY-MM`) that an instant (epoch ms) falls in. */
export function monthOf(epochMs: number): Month {
  const d = new Date(epochMs + CST_OFFSET_MS);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  return `${y}-${m < 10 ? '0' : ''}${m}`;
}

export function isMonth(value: string): value is Month {
  return MONTH_RE.test(value);
}

export function parseMonth(value: string): { year: number; month: number } {
  const m = MONTH_RE.exec(value);
  if (!m) throw new RangeError(`not a month: ${JSON.stringify(value)} (expected YYYY-MM)`);
  return { year: Number(m[1]), month: Number(m[2]) };
}

/** [start, end) of a CST month as epoch ms. */
export function monthRange(month: Month): { startMs: number; endMs: number } {
  const { year, month: m } = parseMonth(month);
  return {
    startMs: Date.UTC(year, m - 1, 1) - CST_OFFSET_MS,
    endMs: Date.UTC(year, m, 1) - CST_OFFSET_MS,
  };
}

export function addMonths(month: Month, n: number): Month {
  const { year, month: m } = parseMonth(month);
  const total = year * 12 + (m - 1) + n;
  const y = Math.floor(total / 12);
  const mm = (total % 12) + 1;
  return `${y}-${mm < 10 ? '0' : ''}${mm}`;
}
