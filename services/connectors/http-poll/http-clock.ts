/**
 * The incremental filter's times: read from an item's update-time field and written back into the
 * `updatedSince`-style query parameter, in the API's own format (iso, epoch-ms, epoch-s, or a naive
 * local pattern in the API's time zone, as department systems write them).
 */
import { CasepipeError } from '../../platform/errors.js';
import { assertTimeZone, localTimeParser } from '../local-time.js';

export interface HttpClock {
  /** UTC ms of a field value; undefined when it is empty or unreadable. */
  read(value: unknown): number | undefined;
  write(ms: number): string;
}

export function httpClock(format: string, timeZone: string): HttpClock {
  assertTimeZone(timeZone);
  if (format === 'epoch-ms' || format === 'epoch-s') {
    const unit = format === 'epoch-ms' ? 1 : 1000;
    return {
      read: (v) => {
        const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
        return Number.isFinite(n) ? n * unit : undefined;
      },
      write: (ms) => String(Math.floor(ms / unit)),
    };
  }
  const parse = localTimeParser(format, timeZone);
  const write = format === 'iso' ? (ms: number) => new Date(ms).toISOString() : localWriter(format, timeZone);
  return {
    read: (v) => {
      if (typeof v !== 'string' || v.trim() === '') return undefined;
      try {
        return parse(v);
      } catch {
        return undefined;
      }
    },
    write,
  };
}

function localWriter(format: string, timeZone: string): (ms: number) => string {
  if (!/yyyy/.test(format)) throw new CasepipeError('DEPARTMENT_FILE_INVALID', `time format ${JSON.stringify(format)} needs yyyy`);
  const f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  return (ms) => {
    const p: Record<string, number> = {};
    for (const part of f.formatToParts(ms)) if (part.type !== 'literal') p[part.type] = Number(part.value);
    const two = (n: number) => String(n).padStart(2, '0');
    const values: Record<string, string> = {
      yyyy: String(p.year), MM: two(p.month), M: String(p.month), dd: two(p.day), d: String(p.day),
      HH: two(p.hour), H: String(p.hour), mm: two(p.minute), ss: two(p.second), SSS: String(ms % 1000).padStart(3, '0'),
    };
    return format.replace(/yyyy|MM|M|dd|d|HH|H|mm|ss|SSS/g, (t) => values[t]);
  };
}
