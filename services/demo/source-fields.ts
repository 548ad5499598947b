/**
 * A case event written back as the raw record a department's system would hold, by inverting the
 * department file's mapping: the kind, channel and method in the source's own vocabulary, the time
 * as the source writes it (its format, its zone), the record id in the id columns, and the personal
 * columns the file declares filled with the applicant's data. Mapping the record again with the same
 * file gives the event back (same case, kind, channel, method, time, department), which is what
 * keeps the demo's figures exact.
 */
import type { CaseEvent } from '../contract/case-event.js';
import type { SourceValue } from '../connectors/connector.js';
import type { Department } from '../departments/department-file.js';
import type { Mapping } from '../connectors/record-mapping.js';
import { personalFieldOf, type Applicant } from './applicants.js';

type Rule = Mapping['caseId'];

export class UnrenderableEvent extends Error {}

function put(fields: Record<string, SourceValue>, rule: Rule | undefined, value: string | null, what: string, code: string): void {
  if (!rule) return;
  if ('value' in rule) {
    if (value !== null && rule.value !== value) throw new UnrenderableEvent(`${code}: ${what} is always ${rule.value}, cannot carry ${value}`);
    return;
  }
  if (value === null) {
    fields[rule.column] = null;
    return;
  }
  if (rule.values) {
    const source = Object.keys(rule.values).find((k) => rule.values![k] === value);
    if (source === undefined) throw new UnrenderableEvent(`${code}: ${what} ${value} has no source value in ${rule.column}`);
    fields[rule.column] = source;
  } else {
    fields[rule.column] = value;
  }
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** An instant as the source writes it: a format of local-time.ts's tokens in a zone, iso, or epoch-ms. */
export function formatSourceTime(ms: number, format: string, timeZone: string): string {
  if (format === 'epoch-ms') return String(ms);
  const offsetMs = zoneOffsetMs(timeZone);
  const d = new Date(ms + offsetMs);
  if (format === 'iso') {
    const sign = offsetMs >= 0 ? '+' : '-';
    const off = Math.abs(offsetMs) / 60_000;
    return `${d.toISOString().slice(0, 19)}${offsetMs === 0 ? 'Z' : `${sign}${pad(Math.floor(off / 60))}:${pad(off % 60)}`}`;
  }
  const parts: Record<string, string> = {
    yyyy: String(d.getUTCFullYear()),
    MM: pad(d.getUTCMonth() + 1),
    M: String(d.getUTCMonth() + 1),
    dd: pad(d.getUTCDate()),
    d: String(d.getUTCDate()),
    HH: pad(d.getUTCHours()),
    H: String(d.getUTCHours()),
    mm: pad(d.getUTCMinutes()),
    ss: pad(d.getUTCSeconds()),
    SSS: pad(d.getUTCMilliseconds(), 3),
  };
  return format.replace(/yyyy|MM|M|dd|d|HH|H|mm|ss|SSS/g, (t) => parts[t]);
}

/** The demo's sources sit in fixed-offset zones (China has no DST). */
function zoneOffsetMs(timeZone: string): number {
  if (timeZone === 'Asia/Shanghai' || timeZone === 'Asia/Chongqing' || timeZone === 'PRC') return 8 * 3_600_000;
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return 0;
  throw new UnrenderableEvent(`the demo writes times only in Asia/Shanghai or UTC, not ${timeZone}`);
}

/**
 * The source fields of `event` for department `d`. `recordId` fills the id columns that no mapped
 * field fills; `applicant` fills the declared personal columns.
 */
export function sourceFields(event: CaseEvent, d: Pick<Department, 'code' | 'mapping' | 'personalData'>, recordId: string, applicant: Applicant): Record<string, SourceValue> {
  const m = d.mapping;
  const f: Record<string, SourceValue> = {};
  for (const column of [...d.personalData.drop, ...d.personalData.hmac]) f[column] = applicant[personalFieldOf(column)];
  put(f, m.caseId, event.caseId, 'caseId', d.code);
  put(f, m.kind, event.kind, 'kind', d.code);
  put(f, m.channel, event.channel, 'channel', d.code);
  if (m.deliveryMethod) put(f, m.deliveryMethod, event.kind === 'DELIVERED' ? event.deliveryMethod : null, 'deliveryMethod', d.code);
  if (m.itemCode) put(f, m.itemCode, event.itemCode, 'itemCode', d.code);
  if (m.departmentCode) put(f, m.departmentCode, event.departmentCode, 'departmentCode', d.code);
  else if (event.departmentCode !== d.code) throw new UnrenderableEvent(`${d.code}: its file maps no departmentCode, cannot carry an event of ${event.departmentCode}`);
  for (const [name, rule] of Object.entries(m.attributes)) {
    if ('column' in rule && !(rule.column in f)) f[rule.column] = event.attributes[name] ?? null;
  }
  f[m.eventTime.column] = formatSourceTime(event.eventTime, m.eventTime.format, m.eventTime.timeZone);
  for (const column of m.recordId ?? []) if (!(column in f)) f[column] = recordId;
  return f;
}

/** A date no calendar has (the 32nd of August), written in the source's format. */
export function badSourceTime(format: string): string {
  if (format === 'epoch-ms') return '2025-08-32';
  if (format === 'iso') return '2025-08-32T10:15:00+08:00';
  const parts: Record<string, string> = { yyyy: '2025', MM: '08', M: '8', dd: '32', d: '32', HH: '10', H: '10', mm: '15', ss: '00', SSS: '000' };
  return format.replace(/yyyy|MM|M|dd|d|HH|H|mm|ss|SSS/g, (t) => parts[t]);
}
