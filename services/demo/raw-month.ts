/**
 * A generated month as the raw sources of the hall: every event of the month generator written back
 * as the record of the system that reports it (the comprehensive window's receptions in ZHCK's
 * export, the phone line and the desk in ZXFW's log, the rest in each department's own system),
 * with the applicant's personal fields, plus the raw sources' own noise. The events decide the
 * figures; every noise item added here is figure-neutral by construction:
 * - a re-sent record is the same source record (same id columns, so the same event id), sent again;
 * - a department's own report of a comprehensive-window reception is stamped at least a second
 *   after the window's (the window's copy must win; an equal time would leave it to the event ids);
 * - a malformed record (~0.5%) is a fresh case that never counts: a bad date, a value the source's
 *   code table does not have, a broken CSV or JSON row, a 身份证号 typed into the case number, an
 *   unset (1970) date, a department code nobody declared; each is refused with a known reason;
 * - a file sent in the wrong encoding holds only records that also arrive in a good file, and a
 *   file sent twice is read once.
 * The expected refusals are counted here, so the demo can check the dead-letter topic against them.
 */
import type { CaseEvent } from '../contract/case-event.js';
import type { SourceValue } from '../connectors/connector.js';
import type { Department } from '../departments/department-file.js';
import type { ErrorCode } from '../platform/errors.js';
import { Applicants, type PersonalValues } from './applicants.js';
import { COMPREHENSIVE_WINDOW_CODE, COMPREHENSIVE_WINDOW_SYSTEM } from './departments.js';
import { generateMonth, mulberry32, type GeneratedMonth, type MonthTargets } from './month-generator.js';
import { badSourceTime, formatSourceTime, sourceFields } from './source-fields.js';

export interface RawRecord {
  fields: Record<string, SourceValue>;
  /** Written so that the source cannot split it (a CSV row short of fields, a cut JSON line). */
  broken?: boolean;
}

export interface RawSource {
  department: Department;
  /** In arrival order. */
  records: RawRecord[];
  /** Records of this source sent once more in the wrong encoding (their good copies are in `records`). */
  wrongEncoding: RawRecord[];
}

export interface RawMonth {
  generated: GeneratedMonth;
  sources: RawSource[];
  /** Records the connectors must refuse, by reason code. */
  refusals: Record<string, number>;
  /** The same by department code, then reason. */
  refusalsByDepartment: Record<string, Record<string, number>>;
  /** Every personal value written into a source. */
  personal: PersonalValues;
  /** Source records in all (re-sent and malformed included). */
  records: number;
}

export interface RawMonthOptions {
  month: string;
  seed: number;
  targets?: MonthTargets;
  /** Malformed source records per good one (default 0.005). */
  malformedRate?: number;
}

type MalformedKind = 'BAD_DATE' | 'UNKNOWN_CODE' | 'BROKEN_ROW' | 'ID_IN_CASE_NUMBER' | 'UNSET_DATE' | 'UNKNOWN_DEPARTMENT';
const MALFORMED_KINDS: MalformedKind[] = ['BAD_DATE', 'UNKNOWN_CODE', 'BROKEN_ROW', 'ID_IN_CASE_NUMBER', 'UNSET_DATE', 'UNKNOWN_DEPARTMENT'];
const REASON: Record<MalformedKind, ErrorCode> = {
  BAD_DATE: 'MAP_BAD_TIME',
  UNKNOWN_CODE: 'MAP_UNKNOWN_VALUE',
  BROKEN_ROW: 'SOURCE_ROW_MALFORMED',
  ID_IN_CASE_NUMBER: 'MAP_PERSONAL_DATA',
  UNSET_DATE: 'INVALID_EVENT_TIME',
  UNKNOWN_DEPARTMENT: 'MAP_UNKNOWN_VALUE',
};

/** The department whose system reports an event. */
export function reportingDepartment(e: CaseEvent): string {
  return e.sourceSystem === COMPREHENSIVE_WINDOW_SYSTEM ? COMPREHENSIVE_WINDOW_CODE : e.departmentCode;
}

/** Event ids of the generator are the originals' ids plus a suffix: `.d` is a department's own report of a window reception. */
function withDepartmentCopiesLater(events: CaseEvent[]): CaseEvent[] {
  const byId = new Map(events.map((e) => [e.eventId, e]));
  return events.map((e) => {
    if (!e.eventId.endsWith('.d')) return e;
    const original = byId.get(e.eventId.slice(0, -2));
    return original && e.eventTime <= original.eventTime ? { ...e, eventTime: original.eventTime + 1000 } : e;
  });
}

/** A short source record id: the generator's, cut to a length every id column takes. */
function recordIdOf(e: CaseEvent): string {
  return e.sourceRecordId.length > 40 ? e.sourceRecordId.slice(0, 40) : e.sourceRecordId;
}

function formatOf(d: Department): string {
  const s = d.source as { type: string; format?: string };
  return s.type === 'file-drop' ? (s.format ?? 'csv') : s.type;
}

export function planRawMonth(departments: Department[], opts: RawMonthOptions): RawMonth {
  const generated = generateMonth({ month: opts.month, seed: opts.seed, ...(opts.targets ? { targets: opts.targets } : {}) });
  const byCode = new Map(departments.map((d) => [d.code, d]));
  const applicants = new Applicants(opts.seed);
  const rng = mulberry32(opts.seed ^ 0x7a3);
  const sources = new Map<string, RawSource>();
  const sourceOf = (code: string): RawSource => {
    let s = sources.get(code);
    if (!s) {
      const department = byCode.get(code);
      if (!department) throw new Error(`the demo's events need department ${code}, which is not declared in the departments folder`);
      s = { department, records: [], wrongEncoding: [] };
      sources.set(code, s);
    }
    return s;
  };

  const events = withDepartmentCopiesLater(generated.events);
  const templates = new Map<string, CaseEvent>();
  for (const e of events) {
    const code = reportingDepartment(e);
    const s = sourceOf(code);
    const applicant = applicants.of(e.kind === 'CONSULTED' ? `${e.departmentCode}/${e.caseId}` : e.caseId);
    s.records.push({ fields: sourceFields(e, s.department, recordIdOf(e), applicant) });
    if (!templates.has(code) && e.caseId.length < 40) templates.set(code, e);
  }

  const refusals: Record<string, number> = {};
  const refusalsByDepartment: Record<string, Record<string, number>> = {};
  const refuse = (code: string, reason: string) => {
    refusals[reason] = (refusals[reason] ?? 0) + 1;
    const d = (refusalsByDepartment[code] ??= {});
    d[reason] = (d[reason] ?? 0) + 1;
  };

  // Malformed records: fresh cases in sources picked by their volume, put in at random places.
  const list = [...sources.values()];
  const total = list.reduce((n, s) => n + s.records.length, 0);
  const malformed = Math.round(total * (opts.malformedRate ?? 0.005));
  for (let k = 0; k < malformed; k++) {
    let r = rng() * total;
    const s = list.find((x) => (r -= x.records.length) < 0) ?? list[list.length - 1];
    const d = s.department;
    const template = templates.get(d.code)!;
    let kind = MALFORMED_KINDS[k % MALFORMED_KINDS.length];
    const format = formatOf(d);
    // A spreadsheet row, an API item and a pushed item always split; a 前置库 column of timestamps holds no 32nd of August.
    if (kind === 'BROKEN_ROW' && (format === 'xlsx' || format === 'http-poll' || format === 'webhook')) kind = 'BAD_DATE';
    if ((kind === 'BROKEN_ROW' || kind === 'BAD_DATE') && format === 'sql-poll') kind = 'UNKNOWN_CODE';
    if (kind === 'UNKNOWN_DEPARTMENT' && !d.mapping.departmentCode) kind = 'UNKNOWN_CODE';
    const fresh: CaseEvent = { ...template, caseId: `BAD-${d.code}-${String(k + 1).padStart(5, '0')}`, eventTime: template.eventTime };
    const applicant = applicants.fresh();
    const fields = sourceFields(fresh, d, `BAD${String(k + 1).padStart(6, '0')}`, applicant);
    const record: RawRecord = { fields };
    const m = d.mapping;
    switch (kind) {
      case 'BAD_DATE':
        fields[m.eventTime.column] = badSourceTime(m.eventTime.format);
        break;
      case 'UNSET_DATE':
        fields[m.eventTime.column] = formatSourceTime(0, m.eventTime.format, m.eventTime.timeZone);
        break;
      case 'UNKNOWN_CODE': {
        const rule = 'column' in m.kind && m.kind.values ? m.kind : m.channel;
        if (!('column' in rule)) throw new Error(`${d.code}: neither kind nor channel is a column; no code to get wrong`);
        fields[rule.column] = rule === m.kind ? '退件' : '传真';
        break;
      }
      case 'UNKNOWN_DEPARTMENT':
        if (m.departmentCode && 'column' in m.departmentCode) fields[m.departmentCode.column] = 'XZSPJ'; // a code nobody declared
        break;
      case 'ID_IN_CASE_NUMBER':
        if ('column' in m.caseId) fields[m.caseId.column] = applicant.idNumber;
        break;
      case 'BROKEN_ROW':
        record.broken = true;
        break;
    }
    refuse(d.code, REASON[kind]);
    s.records.splice(Math.floor(rng() * (s.records.length + 1)), 0, record);
  }

  // One department sends a batch again in the wrong encoding (refused whole: one dead letter).
  const utf8Csv = list
    .filter((s) => s.department.source.type === 'file-drop' && formatOf(s.department) === 'csv' && (s.department.source as { encoding?: string }).encoding === 'utf-8')
    .sort((a, b) => b.records.length - a.records.length)[0];
  if (utf8Csv) {
    const good = utf8Csv.records.filter((r) => !r.broken);
    utf8Csv.wrongEncoding = good.slice(Math.floor(good.length / 3), Math.floor(good.length / 3) + 30);
    if (utf8Csv.wrongEncoding.length > 0) refuse(utf8Csv.department.code, 'SOURCE_FILE_UNREADABLE');
  }

  return {
    generated,
    sources: [...sources.values()].sort((a, b) => (a.department.code < b.department.code ? -1 : 1)),
    refusals,
    refusalsByDepartment,
    personal: applicants.values,
    records: [...sources.values()].reduce((n, s) => n + s.records.length + s.wrongEncoding.length, 0),
  };
}
