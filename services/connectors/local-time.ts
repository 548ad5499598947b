/**
 * Department systems write naive local times ("2025-08-31 23:59:59", no zone). A declared format and
 * the source's IANA time zone turn them into UTC instants; the month is decided later, in CST.
 */
import { CasepipeError } from '../platform/errors.js';

/** Tokens a format may use; anything else is literal text. */
const TOKENS: Record<string, string> = {
  yyyy: '(\\d{4})',
  MM: '(\\d{2})',
  M: '(\\d{1,2})',
  dd: '(\\d{2})',
  d: '(\\d{1,2})',
  HH: '(\\d{2})',
  H: '(\\d{1,2})',
  mm: '(\\d{2})',
  ss: '(\\d{2})',
  SSS: '(\\d{3})',
};
const TOKEN_RE = /yyyy|MM|M|dd|d|HH|H|mm|ss|SSS/g;
type Part = 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'ms';
const PART_OF: Record<string, Part> = { yyyy: 'year', MM: 'month', M: 'month', dd: 'day', d: 'day', HH: 'hour', H: 'hour', mm: 'minute', ss: 'second', SSS: 'ms' };

export interface LocalTimeParser {
  /** UTC epoch ms of a naive local time in the format, or a Date cell (spreadsheet) read as local wall time. */
  (value: string | Date): number;
}

/**
 * `format` is a pattern such as `yyyy-MM-dd HH:mm:ss` or `yyyy/M/d H:mm`, or `iso` (ISO-8601 with an
 * explicit zone; timeZone unused) or `epoch-ms`.
 */
export function localTimeParser(format: string, timeZone: string): LocalTimeParser {
  assertTimeZone(timeZone);
  if (format === 'epoch-ms') {
    return (value) => {
      const n = typeof value === 'string' ? Number(value) : NaN;
      if (!Number.isSafeInteger(n)) throw badTime(value, format);
      return n;
    };
  }
  if (format === 'iso') {
    return (value) => {
      const ms = typeof value === 'string' && /(Z|[+-]\d{2}:?\d{2})$/.test(value) ? Date.parse(value) : NaN;
      if (Number.isNaN(ms)) throw badTime(value, 'ISO-8601 with a zone');
      return ms;
    };
  }
  const parts: Part[] = [];
  const source = format.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(TOKEN_RE, (t) => {
    parts.push(PART_OF[t]);
    return TOKENS[t];
  });
  if (!parts.includes('year') || !parts.includes('month') || !parts.includes('day')) {
    throw new CasepipeError('DEPARTMENT_FILE_INVALID', `time format ${JSON.stringify(format)} needs at least yyyy, M(M) and d(d)`);
  }
  const re = new RegExp(`^${source}$`);
  return (value) => {
    const f = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0, ms: 0 };
    if (value instanceof Date) {
      // A spreadsheet date cell holds the wall time as if it were UTC.
      if (Number.isNaN(value.getTime())) throw badTime('an invalid date cell', format);
      Object.assign(f, {
        year: value.getUTCFullYear(), month: value.getUTCMonth() + 1, day: value.getUTCDate(),
        hour: value.getUTCHours(), minute: value.getUTCMinutes(), second: value.getUTCSeconds(), ms: value.getUTCMilliseconds(),
      });
    } else {
      const m = re.exec(value.trim());
      if (!m) throw badTime(value, format);
      parts.forEach((p, i) => (f[p] = Number(m[i + 1])));
    }
    const naive = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second, f.ms);
    const d = new Date(naive);
    if (d.getUTCFullYear() !== f.year || d.getUTCMonth() !== f.month - 1 || d.getUTCDate() !== f.day || f.hour > 23 || f.minute > 59 || f.second > 59) {
      throw badTime(value instanceof Date ? d.toISOString() : value, `${format} (no such date or time)`);
    }
    return wallTimeToUtc(naive, timeZone);
  };
}

/** The UTC instant at which clocks in `timeZone` show the wall time `naive` (given as if it were UTC). */
export function wallTimeToUtc(naive: number, timeZone: string): number {
  const first = naive - offsetAt(naive, timeZone);
  const second = naive - offsetAt(first, timeZone);
  return second;
}

const formats = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, number>();
// Zone offsets change only on quarter-hour instants, so one lookup per zone and quarter hour is exact;
// Intl's formatToParts is the slowest step of mapping a row otherwise.
const QUARTER_HOUR = 900_000;

/** The zone's offset from UTC at an instant, in ms. */
function offsetAt(utcMs: number, timeZone: string): number {
  const key = `${timeZone}|${Math.floor(utcMs / QUARTER_HOUR)}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    if (offsets.size > 100_000) offsets.clear();
    offset = intlOffsetAt(utcMs, timeZone);
    offsets.set(key, offset);
  }
  return offset;
}

function intlOffsetAt(utcMs: number, timeZone: string): number {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(utcMs)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - (utcMs - (((utcMs % 1000) + 1000) % 1000));
}

export function assertTimeZone(timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new CasepipeError('DEPARTMENT_FILE_INVALID', `unknown time zone ${JSON.stringify(timeZone)} (an IANA name such as Asia/Shanghai)`);
  }
}

function badTime(value: unknown, format: string): CasepipeError {
  return new CasepipeError('MAP_BAD_TIME', `time ${JSON.stringify(value)} does not match ${format}`);
}
