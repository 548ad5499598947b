/**
 * A seeded, deterministic generator of one month of case events with a known ground truth, for
 * tests and the demo (docs/report.md "The demo generator").
 *
 * Whatever the seed, deduplicating the generated events by the rules of ../../shared/DOMAIN.md gives
 * exactly the targets for the month (the test checks this against ./reference-count.ts):
 * - every re-sent copy carries an event time >= its original's, and an equal time only with a
 *   larger event id (the original's id plus a suffix), so the original always wins;
 * - events outside the month exist (receptions in M-1 completed in M, completions in M+1, events
 *   minutes either side of the month's start and end in UTC and in CST) and count only in their own month;
 * - comprehensive-window receptions carry the department the case is for (sourceSystem
 *   `comprehensive-window`, channel COMPREHENSIVE_WINDOW); the department system often reports the
 *   same reception later as DEPARTMENT_WINDOW, a cross-system duplicate that must lose.
 *   ZHCK (综合窗口 itself) owns the hall's cross-department 一件事 cases;
 * - DEPARTMENT_WINDOW cases, ELECTRONIC deliveries and the OTHER channel and delivery method exist
 *   and count in no figure;
 * - one counted case carries values exactly at the contract's limits (services/contract/validate.ts),
 *   and malformed records include each of those values one past its limit;
 * - with boundary events, two consultations first arrive stamped in M+1 and are corrected by a late,
 *   earlier copy stamped in M, which arrives last: they move from M+1 to M and count in M.
 * Nothing here reads Math.random, the clock or the machine's TZ.
 */
import type { CaseEvent, Channel, DeliveryMethod, EventKind } from '../contract/case-event.js';
import { addMonths, CST_OFFSET_MS, isMonth, monthRange } from '../contract/month.js';
import type { FigureKey, Month, MonthFigures, WindowFigures } from '../figures/window-figures.js';
import { CasepipeError, type ErrorCode } from '../platform/errors.js';
import {
  COMPREHENSIVE_WINDOW,
  COMPREHENSIVE_WINDOW_SYSTEM,
  CONSULTATION_DESK,
  PHONE_LINE_SYSTEM,
  STATIONED_DEPARTMENTS,
  type Department,
} from './departments.js';
import { FiguresTally } from './reference-count.js';
import { AUGUST_2025_PUBLISHED } from '../figures/reference-2025-08.js';

export type MonthTargets = Omit<WindowFigures, 'totalHandled'>;

/** August 2025 as published (totalHandled 52,500 → 5.25 万件 follows from the others). */
export const AUGUST_2025_TARGETS: MonthTargets = withoutTotal(AUGUST_2025_PUBLISHED);

/** August's targets scaled so the generated month holds about `events` events (the full month: ~150k). */
export function augustTargetsFor(events: number): MonthTargets {
  const factor = events / 150_000;
  return Object.fromEntries(Object.entries(AUGUST_2025_TARGETS).map(([k, v]) => [k, Math.round(v * factor)])) as MonthTargets;
}

function withoutTotal({ totalHandled: _derived, ...targets }: WindowFigures): MonthTargets {
  return targets;
}

export interface GenerateMonthOptions {
  month: Month;
  seed: number;
  /** Default: AUGUST_2025_TARGETS. */
  targets?: MonthTargets;
  /** Share of events that get re-sent copies (default 0.15). */
  resendRate?: number;
  /** Full-online cases received in M-1 and completed in M (default: 3% of completions, at least what completions exceed receptions by). */
  previousMonthCompletions?: number;
  /** Events minutes either side of the month's start and end (default true). */
  boundaryEvents?: boolean;
  /** Malformed records per good event (default 0.005). */
  malformedRate?: number;
}

export const MALFORMED_KINDS = [
  'NOT_AVRO',
  'TRUNCATED',
  'UNKNOWN_SCHEMA',
  'EMPTY_VALUE',
  'INVALID_EVENT_TIME',
  'MISSING_DELIVERY_METHOD',
  'INVALID_CHANNEL_FOR_KIND',
  'UNKNOWN_KIND',
  // One past a limit of services/contract/validate.ts.
  'CASE_ID_TOO_LONG',
  'EVENT_ID_TOO_LONG',
  'ITEM_CODE_TOO_LONG',
  'SOURCE_SYSTEM_TOO_LONG',
  'SOURCE_RECORD_ID_TOO_LONG',
  'TOO_MANY_ATTRIBUTES',
  'ATTRIBUTE_NAME_TOO_LONG',
  'ATTRIBUTE_VALUE_TOO_LONG',
] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

/** The dead-letter reason (ErrorCode) each kind of malformed record must end up with. */
export const MALFORMED_REASON: Record<MalformedKind, ErrorCode> = {
  NOT_AVRO: 'NOT_AVRO',
  TRUNCATED: 'DECODE_FAILED',
  UNKNOWN_SCHEMA: 'UNKNOWN_SCHEMA',
  EMPTY_VALUE: 'EMPTY_VALUE',
  INVALID_EVENT_TIME: 'INVALID_EVENT_TIME',
  MISSING_DELIVERY_METHOD: 'MISSING_DELIVERY_METHOD',
  INVALID_CHANNEL_FOR_KIND: 'INVALID_CHANNEL_FOR_KIND',
  UNKNOWN_KIND: 'UNKNOWN_KIND',
  CASE_ID_TOO_LONG: 'INVALID_CASE_ID',
  EVENT_ID_TOO_LONG: 'INVALID_EVENT_ID',
  ITEM_CODE_TOO_LONG: 'INVALID_FIELD',
  SOURCE_SYSTEM_TOO_LONG: 'INVALID_FIELD',
  SOURCE_RECORD_ID_TOO_LONG: 'INVALID_FIELD',
  TOO_MANY_ATTRIBUTES: 'INVALID_FIELD',
  ATTRIBUTE_NAME_TOO_LONG: 'INVALID_FIELD',
  ATTRIBUTE_VALUE_TOO_LONG: 'INVALID_FIELD',
};

/**
 * The contract's length limits, written out (not imported from validate.ts, so that a changed limit
 * fails the generator's test instead of moving the generated values with it).
 */
export const CONTRACT_LIMITS = {
  caseId: 128,
  eventId: 128,
  itemCode: 128,
  sourceSystem: 64,
  sourceRecordId: 256,
  attributeCount: 32,
  attributeKey: 64,
  attributeValue: 512,
} as const;

/** `count` attributes (at least 2), one of them a note of `valueLength` characters, one named with `keyLength` characters (from 3). */
function attributesOf(count: number, keyLength: number, valueLength: number): Record<string, string> {
  const attrs: Record<string, string> = { 办件类型: '承诺件', 备注: '申请材料齐全,当场受理。'.repeat(Math.ceil(valueLength / 12)).slice(0, valueLength) };
  if (count > 2) attrs['k'.repeat(keyLength)] = 'v';
  for (let i = Object.keys(attrs).length; i < count; i++) attrs[`属性${i}`] = String(i);
  return attrs;
}

/**
 * A record the publisher (which owns the codec) turns into bad bytes:
 * - NOT_AVRO: send `text` as UTF-8 (a JSON line from a misconfigured exporter);
 * - TRUNCATED: encode `event`, then cut the bytes short;
 * - UNKNOWN_SCHEMA: encode `event` under a schema fingerprint nobody registered;
 * - EMPTY_VALUE: an empty value (no `event`);
 * - INVALID_EVENT_TIME, MISSING_DELIVERY_METHOD, INVALID_CHANNEL_FOR_KIND, UNKNOWN_KIND and the
 *   `…_TOO_LONG` / TOO_MANY_ATTRIBUTES kinds: encode `event` as it is; it decodes but breaks a rule of
 *   services/contract/validate.ts.
 */
export interface MalformedRecord {
  /** The Kafka key (a case id). */
  key: string;
  kind: MalformedKind;
  reason: ErrorCode;
  /** Known only when the record decodes (rule violations). */
  departmentCode: string | null;
  event?: CaseEvent;
  text?: string;
}

export interface GeneratedMonth {
  month: Month;
  /** Good events including re-sent copies, in shuffled arrival order. */
  events: CaseEvent[];
  malformed: MalformedRecord[];
  truth: {
    /** Exactly what deduplicating `events` gives for `month`. */
    figures: MonthFigures;
    /** Copies that deduplication drops (over all months in `events`). */
    duplicates: number;
    malformedByReason: Record<string, number>;
  };
}

/** mulberry32: a small, fast, seeded PRNG (uniform in [0, 1)). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits `total` over `weights` in proportion, by largest remainder (ties to the lower index). */
export function apportion(total: number, weights: number[]): number[] {
  const sumW = weights.reduce((a, b) => a + b, 0);
  if (total === 0 || sumW <= 0) return weights.map(() => 0);
  const exact = weights.map((w) => (total * w) / sumW);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let j = 0; left > 0; j = (j + 1) % order.length, left--) out[order[j][1]] += 1;
  return out;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

interface PlannedCase {
  caseId: string;
  /** What event ids start with (default the case id; shorter when the case id is at its limit). */
  eventIdStem?: string;
  dept: Department;
  itemCode: string;
  caseType: string;
}

type CountedFigure = Exclude<FigureKey, 'totalHandled'>;

function invalid(message: string): CasepipeError {
  return new CasepipeError('INVALID_DEMO_OPTIONS', message);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** `20250812`: the CST calendar date of an instant. */
function cstDate(ms: number): string {
  const iso = new Date(ms + CST_OFFSET_MS).toISOString();
  return iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10);
}

/** 实施编码 of a department's service items: basic code, region, 000, the body's credit code, 1, 00. */
function itemCodesOf(dept: Department, index: number): string[] {
  const letters = ['A', 'A', 'A', 'A', 'C', 'G', 'K', 'A'];
  return letters.map((l, i) => `511${l}${pad(index % 100, 2)}${pad(30 + i * 7, 2)}000000-510000000000-000-${dept.creditCode}-1-00`);
}

class MonthBuilder {
  readonly originals: CaseEvent[] = [];
  readonly tally: FiguresTally;
  private readonly seq = new Map<string, number>();
  private readonly items = new Map<string, string[]>();
  private recordSeq = 0;
  readonly start: number;
  readonly end: number;
  private readonly deptWeights: number[];

  constructor(
    readonly month: Month,
    readonly rng: () => number,
  ) {
    this.tally = new FiguresTally(month);
    ({ startMs: this.start, endMs: this.end } = monthRange(month));
    this.deptWeights = STATIONED_DEPARTMENTS.map((d) => d.weight);
    [...STATIONED_DEPARTMENTS, COMPREHENSIVE_WINDOW, CONSULTATION_DESK].forEach((d, i) => this.items.set(d.code, itemCodesOf(d, i + 1)));
  }

  int(n: number): number {
    return Math.floor(this.rng() * n);
  }

  /** A whole second in [a, b). */
  time(a: number, b: number): number {
    const seconds = Math.max(1, Math.floor((b - a) / SECOND));
    return a + this.int(seconds) * SECOND;
  }

  /** Hall opening hours: a day of the month, 09:00–17:00 CST. */
  hallTime(): number {
    const days = Math.round((this.end - this.start) / DAY);
    return this.start + this.int(days) * DAY + 9 * HOUR + this.int(8 * 3600) * SECOND;
  }

  /** Per-department counts for one group: the skewed weights, jittered per group by the seed. */
  split(total: number): number[] {
    return apportion(total, this.deptWeights.map((w) => w * (0.6 + 0.8 * this.rng())));
  }

  weightedDepartment(): Department {
    let r = this.rng() * this.deptWeights.reduce((a, b) => a + b, 0);
    for (let i = 0; i < STATIONED_DEPARTMENTS.length; i++) {
      r -= this.deptWeights[i];
      if (r < 0) return STATIONED_DEPARTMENTS[i];
    }
    return STATIONED_DEPARTMENTS[STATIONED_DEPARTMENTS.length - 1];
  }

  newCase(dept: Department, receivedAt: number): PlannedCase {
    const n = (this.seq.get(dept.code) ?? 0) + 1;
    this.seq.set(dept.code, n);
    const items = this.items.get(dept.code)!;
    return {
      caseId: `SC${cstDate(receivedAt)}${dept.code}${pad(n, 6)}`,
      dept,
      itemCode: items[this.int(items.length)],
      caseType: this.rng() < 0.3 ? '即办件' : '承诺件',
    };
  }

  /** Emits an original event; `counts` names the figure it is planned to count towards in this month. */
  milestone(
    c: PlannedCase,
    kind: Exclude<EventKind, 'CONSULTED' | 'UNKNOWN'>,
    channel: Channel,
    time: number,
    counts: CountedFigure | null,
    deliveryMethod: DeliveryMethod | null = null,
    sourceSystem = c.dept.sourceSystem,
  ): CaseEvent {
    const e: CaseEvent = {
      eventId: `${c.eventIdStem ?? c.caseId}-${kind[0]}0`,
      kind,
      caseId: c.caseId,
      departmentCode: c.dept.code,
      departmentName: c.dept.name,
      itemCode: c.itemCode,
      channel,
      deliveryMethod,
      eventTime: time,
      sourceSystem,
      sourceRecordId: `R${pad(++this.recordSeq, 9)}`,
      attributes: kind === 'RECEIVED' ? { 办件类型: c.caseType } : {},
    };
    this.originals.push(e);
    if (counts) this.tally.add(c.dept.code, c.dept.name, counts);
    return e;
  }

  consultation(dept: Department, recordId: string, channel: 'PHONE' | 'ONSITE' | 'OTHER', time: number, counts: boolean): CaseEvent {
    const e: CaseEvent = {
      eventId: `${dept.code}-${recordId}-Q0`,
      kind: 'CONSULTED',
      caseId: recordId,
      departmentCode: dept.code,
      departmentName: dept.name,
      itemCode: null,
      channel,
      deliveryMethod: null,
      eventTime: time,
      sourceSystem: channel === 'PHONE' ? PHONE_LINE_SYSTEM : dept.sourceSystem,
      sourceRecordId: `R${pad(++this.recordSeq, 9)}`,
      attributes: {},
    };
    this.originals.push(e);
    if (counts) {
      if (channel === 'OTHER') throw new Error('an OTHER consultation counts in no figure');
      this.tally.add(dept.code, dept.name, channel === 'PHONE' ? 'phoneConsultations' : 'onsiteConsultations');
    }
    return e;
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }
}

/** A copy of an event, re-sent later (or at the same time with a larger event id). */
function resent(e: CaseEvent, suffix: string, time: number, overrides: Partial<CaseEvent> = {}): CaseEvent {
  return { ...e, eventId: `${e.eventId}.${suffix}`, eventTime: time, ...overrides };
}

function resolveOptions(o: GenerateMonthOptions) {
  if (!isMonth(o.month)) throw invalid(`month ${JSON.stringify(o.month)} is not YYYY-MM`);
  if (!Number.isInteger(o.seed)) throw invalid(`seed ${String(o.seed)} must be an integer`);
  const targets = o.targets ?? AUGUST_2025_TARGETS;
  for (const [k, v] of Object.entries(targets)) {
    if (!Number.isSafeInteger(v) || v < 0) throw invalid(`target ${k} = ${String(v)} must be a non-negative integer`);
  }
  const resendRate = o.resendRate ?? 0.15;
  const malformedRate = o.malformedRate ?? 0.005;
  for (const [k, v] of [['resendRate', resendRate], ['malformedRate', malformedRate]] as const) {
    if (!(v >= 0 && v <= 1)) throw invalid(`${k} = ${String(v)} must be between 0 and 1`);
  }
  const minPrevious = Math.max(0, targets.fullOnlineCompleted - targets.fullOnlineReceived);
  const previous =
    o.previousMonthCompletions ?? Math.min(targets.fullOnlineCompleted, Math.max(minPrevious, Math.round(targets.fullOnlineCompleted * 0.03)));
  if (!Number.isSafeInteger(previous) || previous < minPrevious || previous > targets.fullOnlineCompleted) {
    throw invalid(
      `previousMonthCompletions = ${String(previous)} must be an integer between ${minPrevious} ` +
        `(completions beyond this month's full-online receptions) and ${targets.fullOnlineCompleted} (all completions)`,
    );
  }
  return { targets, resendRate, malformedRate, previous, boundaryEvents: o.boundaryEvents ?? true };
}

/**
 * A full-online case received and completed in M whose values sit exactly at the contract's limits:
 * case id, event id and item code of 128 characters, a 64-character source system, a 256-character
 * source record id, and 32 attributes with a 64-character name and a 512-character value. It counts
 * like any other; its events are never re-sent (a copy's id would pass the limit).
 */
function atTheLimits(b: MonthBuilder, c: PlannedCase, tr: number, tc: number): void {
  c.caseId = c.caseId.padEnd(CONTRACT_LIMITS.caseId, '0');
  c.eventIdStem = c.caseId.slice(0, CONTRACT_LIMITS.eventId - 3);
  c.itemCode = `${c.itemCode}-`.padEnd(CONTRACT_LIMITS.itemCode, 'X');
  const system = `${c.dept.sourceSystem}-`.padEnd(CONTRACT_LIMITS.sourceSystem, 'x');
  for (const [kind, t, figure] of [['RECEIVED', tr, 'fullOnlineReceived'], ['COMPLETED', tc, 'fullOnlineCompleted']] as const) {
    const e = b.milestone(c, kind, 'FULL_ONLINE', t, figure, null, system);
    e.sourceRecordId = e.sourceRecordId.padEnd(CONTRACT_LIMITS.sourceRecordId, '0');
    e.attributes = attributesOf(CONTRACT_LIMITS.attributeCount, CONTRACT_LIMITS.attributeKey, CONTRACT_LIMITS.attributeValue);
  }
}

export function generateMonth(options: GenerateMonthOptions): GeneratedMonth {
  const { targets, resendRate, malformedRate, previous, boundaryEvents } = resolveOptions(options);
  const month = options.month;
  const b = new MonthBuilder(month, mulberry32(options.seed));
  const { start, end } = b;
  const prevStart = monthRange(addMonths(month, -1)).startMs;
  /** Completed cases of this month that can have a delivery: [case, completion time, channel]. */
  const deliverable: [PlannedCase, number, Channel][] = [];
  const extraCopies: CaseEvent[] = [];

  // A. Full-online receptions in M. The first `doneInM` (after shuffling) complete in M, the next
  // 60% of the rest in M+1, the others stay open. Boundary pins go to cases not completed in M.
  const doneInM = targets.fullOnlineCompleted - previous;
  const online: Department[] = [];
  b.split(targets.fullOnlineReceived).forEach((n, i) => {
    for (let k = 0; k < n; k++) online.push(STATIONED_DEPARTMENTS[i]);
  });
  b.shuffle(online);
  const rest = online.length - doneInM;
  const nextMonthCount = Math.round(rest * 0.6);
  const receptionPins = boundaryEvents
    ? [start, start + 5 * MINUTE, start + 8 * HOUR - MINUTE, end - MINUTE, end - SECOND].slice(0, rest)
    : [];
  online.forEach((dept, i) => {
    const pinIndex = online.length - 1 - i; // pins take the last cases, which never complete in M
    const pinned = pinIndex < receptionPins.length ? receptionPins[pinIndex] : null;
    if (i < doneInM) {
      const tr = b.time(start, end - HOUR);
      const tc = b.time(tr + MINUTE, Math.min(tr + 15 * DAY, end));
      const c = b.newCase(dept, tr);
      if (i === 0) {
        atTheLimits(b, c, tr, tc);
        return;
      }
      b.milestone(c, 'RECEIVED', 'FULL_ONLINE', tr, 'fullOnlineReceived');
      b.milestone(c, 'COMPLETED', 'FULL_ONLINE', tc, 'fullOnlineCompleted');
      deliverable.push([c, tc, 'FULL_ONLINE']);
      return;
    }
    const tr = pinned ?? b.time(start, end);
    const c = b.newCase(dept, tr);
    const received = b.milestone(c, 'RECEIVED', 'FULL_ONLINE', tr, 'fullOnlineReceived');
    if (pinned === end - MINUTE) extraCopies.push(resent(received, 'x', end + MINUTE)); // a copy crossing into M+1
    if (i - doneInM < nextMonthCount) {
      // The first case completing next month does so one minute after the month ends.
      const tc = i === doneInM && boundaryEvents ? Math.max(end + MINUTE, tr + MINUTE) : b.time(Math.max(end, tr + MINUTE), end + 10 * DAY);
      b.milestone(c, 'COMPLETED', 'FULL_ONLINE', tc, null);
    }
  });

  // B. Received in M-1 (full-online), completed in M.
  // The first one is received 3 minutes before M starts and completed 1 minute after.
  let pinFirst = boundaryEvents;
  b.split(previous).forEach((n, i) => {
    const dept = STATIONED_DEPARTMENTS[i];
    for (let k = 0; k < n; k++) {
      const pinned = pinFirst;
      pinFirst = false;
      const tr = pinned ? start - 3 * MINUTE : b.time(prevStart, start - HOUR);
      const tc = pinned ? start + MINUTE : b.time(start, end);
      const c = b.newCase(dept, tr);
      b.milestone(c, 'RECEIVED', 'FULL_ONLINE', tr, null);
      b.milestone(c, 'COMPLETED', 'FULL_ONLINE', tc, 'fullOnlineCompleted');
      deliverable.push([c, tc, 'FULL_ONLINE']);
    }
  });

  // C. Comprehensive-window receptions: 5% are ZHCK's own 一件事 cases, the rest for a department.
  const zhckShare = Math.round(targets.windowReceived * 0.05);
  const windowDepts: Department[] = Array.from({ length: zhckShare }, () => COMPREHENSIVE_WINDOW);
  b.split(targets.windowReceived - zhckShare).forEach((n, i) => {
    for (let k = 0; k < n; k++) windowDepts.push(STATIONED_DEPARTMENTS[i]);
  });
  for (const dept of windowDepts) {
    const tr = b.hallTime();
    const c = b.newCase(dept, tr);
    const received = b.milestone(c, 'RECEIVED', 'COMPREHENSIVE_WINDOW', tr, 'windowReceived', null, COMPREHENSIVE_WINDOW_SYSTEM);
    if (dept !== COMPREHENSIVE_WINDOW && b.rng() < 0.5) {
      // The department system reports the same reception later, as its own window: it must lose.
      const later = b.rng() < 0.2 ? tr : tr + b.int(2 * 3600) * SECOND + SECOND;
      extraCopies.push(resent(received, 'd', later, { channel: 'DEPARTMENT_WINDOW', sourceSystem: dept.sourceSystem }));
    }
    if (b.rng() < 0.7 && tr < end - HOUR) {
      const tc = b.time(tr + MINUTE, end);
      b.milestone(c, 'COMPLETED', 'COMPREHENSIVE_WINDOW', tc, null);
      deliverable.push([c, tc, 'COMPREHENSIVE_WINDOW']);
    }
  }

  // D. Department-window cases, and a few by an OTHER channel (a self-service terminal): received
  // and completed in M, counted in no figure.
  const departmentWindowCases = Math.round(targets.fullOnlineReceived * 0.06);
  for (let k = departmentWindowCases + Math.round(departmentWindowCases * 0.1); k > 0; k--) {
    const channel: Channel = k > departmentWindowCases ? 'OTHER' : 'DEPARTMENT_WINDOW';
    const dept = b.weightedDepartment();
    const tr = b.time(start, end - HOUR);
    const tc = b.time(tr + MINUTE, end);
    const c = b.newCase(dept, tr);
    b.milestone(c, 'RECEIVED', channel, tr, null);
    b.milestone(c, 'COMPLETED', channel, tc, null);
    deliverable.push([c, tc, channel]);
  }

  // E. Deliveries in M: window pickups, mail (counted) and electronic (not), each to a distinct
  // completed case; when those run out, to an older case whose earlier events predate the stream.
  b.shuffle(deliverable);
  let next = 0;
  const electronic = Math.round((targets.windowDelivered + targets.mailed) * 0.5);
  const deliveries: [DeliveryMethod, CountedFigure | null][] = [];
  for (let k = 0; k < targets.windowDelivered; k++) deliveries.push(['WINDOW_PICKUP', 'windowDelivered']);
  for (let k = 0; k < targets.mailed; k++) deliveries.push(['MAIL', 'mailed']);
  for (let k = 0; k < electronic; k++) deliveries.push(['ELECTRONIC', null]);
  for (let k = Math.round(electronic * 0.1); k > 0; k--) deliveries.push(['OTHER', null]);
  for (const [method, counts] of deliveries) {
    while (next < deliverable.length && deliverable[next][1] >= end - MINUTE) next++;
    if (next < deliverable.length) {
      const [c, tc, channel] = deliverable[next++];
      b.milestone(c, 'DELIVERED', channel, b.time(tc + MINUTE, Math.min(tc + 5 * DAY, end)), counts, method);
    } else {
      const dept = b.weightedDepartment();
      const c = b.newCase(dept, b.time(prevStart - 60 * DAY, prevStart));
      b.milestone(c, 'DELIVERED', 'DEPARTMENT_WINDOW', b.time(start, end), counts, method);
    }
  }

  // F. Consultations: the phone line all at the desk; on-site 60% at the desk, the rest at the
  // departments' windows, whose logs number records per department (so record ids repeat across
  // departments and each still counts: the key is (department, record id)).
  // With boundary events, the last phone call and one department's first on-site consultation are
  // first reported stamped 00:05 on day 1 of M+1 (a copy that loses), then corrected by their right
  // record, stamped 23:50 on the last day of M, which arrives after everything else: they move to M.
  const lateArrivals: CaseEvent[] = [];
  const moveToM = (e: CaseEvent) => {
    b.originals.splice(b.originals.indexOf(e), 1);
    lateArrivals.push(e);
    extraCopies.push(resent(e, 'm', end + 5 * MINUTE));
  };
  const phonePins = boundaryEvents ? [start + 5 * MINUTE, end - MINUTE].slice(0, targets.phoneConsultations) : [];
  const movedPhone = boundaryEvents && targets.phoneConsultations > phonePins.length ? targets.phoneConsultations - 1 : -1;
  for (let k = 0; k < targets.phoneConsultations; k++) {
    const t = k < phonePins.length ? phonePins[k] : k === movedPhone ? end - 10 * MINUTE : b.time(start, end);
    const e = b.consultation(CONSULTATION_DESK, `RX${cstDate(t)}${pad(k + 1, 6)}`, 'PHONE', t, true);
    if (k === movedPhone) moveToM(e);
  }
  const deskOnsite = Math.round(targets.onsiteConsultations * 0.6);
  for (let k = 0; k < deskOnsite; k++) {
    const t = b.hallTime();
    b.consultation(CONSULTATION_DESK, `ZX${cstDate(t)}${pad(k + 1, 6)}`, 'ONSITE', t, true);
  }
  let moveOnsite = boundaryEvents;
  b.split(targets.onsiteConsultations - deskOnsite).forEach((n, i) => {
    for (let k = 0; k < n; k++) {
      const e = b.consultation(STATIONED_DEPARTMENTS[i], `ZX${pad(k + 1, 6)}`, 'ONSITE', moveOnsite ? end - 10 * MINUTE : b.hallTime(), true);
      if (moveOnsite) moveToM(e);
      moveOnsite = false;
    }
  });
  // Consultations by an OTHER channel (the hall's mini-program), counted in no figure.
  for (let k = Math.round(targets.onsiteConsultations * 0.02); k > 0; k--) {
    const t = b.time(start, end);
    b.consultation(CONSULTATION_DESK, `QT${cstDate(t)}${pad(k, 6)}`, 'OTHER', t, false);
  }

  // G. Events just outside the month, in CST and in UTC: none may count in M.
  if (boundaryEvents) {
    const outside: [number, string][] = [
      [start - 2 * MINUTE, 'M-1'], // 23:58 CST on the last day of M-1
      [end + MINUTE, 'M+1'], // 00:01 CST on day 1 of M+1
      [end + 8 * HOUR - MINUTE, 'M+1'], // 23:59 UTC on the last day of M: still M in UTC, M+1 in CST
    ];
    for (const [t] of outside) {
      const c = b.newCase(b.weightedDepartment(), t);
      b.milestone(c, 'RECEIVED', 'FULL_ONLINE', t, null);
    }
    b.consultation(CONSULTATION_DESK, `RX${cstDate(start - MINUTE)}999999`, 'PHONE', start - MINUTE, false);
    b.consultation(CONSULTATION_DESK, `RX${cstDate(end + MINUTE)}999999`, 'PHONE', end + MINUTE, false);
    const old = b.newCase(b.weightedDepartment(), prevStart);
    b.milestone(old, 'DELIVERED', 'DEPARTMENT_WINDOW', end + 2 * MINUTE, null, 'WINDOW_PICKUP');
  }

  // H. Re-sent copies: later, or at the same time with a larger event id (the original's id + suffix).
  const originalsCount = b.originals.length;
  for (let i = 0; i < originalsCount; i++) {
    if (b.rng() >= resendRate) continue;
    const e = b.originals[i];
    if (e.eventId.length + 3 > CONTRACT_LIMITS.eventId) continue; // a copy's id (`.r1`) would pass the limit
    const copies = b.rng() < 0.2 ? 2 : 1;
    for (let k = 1; k <= copies; k++) {
      const t = b.rng() < 0.25 ? e.eventTime : e.eventTime + SECOND + b.int(3 * 24 * 3600) * SECOND;
      extraCopies.push(resent(e, `r${k}`, t));
    }
  }
  const events = [...b.shuffle([...b.originals, ...extraCopies]), ...lateArrivals];

  // Malformed records: fresh case ids, so that a worker that wrongly accepted one would be caught.
  const malformed: MalformedRecord[] = [];
  const malformedByReason: Record<string, number> = {};
  const badCount = Math.round(events.length * malformedRate);
  for (let k = 0; k < badCount; k++) {
    // Every kind once (when there are enough), then at random.
    const kind = k < MALFORMED_KINDS.length ? MALFORMED_KINDS[k] : MALFORMED_KINDS[b.int(MALFORMED_KINDS.length)];
    const t = b.time(start, end);
    const dept = b.weightedDepartment();
    const c = b.newCase(dept, t);
    const base: CaseEvent = {
      eventId: `${c.caseId}-B0`,
      kind: 'RECEIVED',
      caseId: c.caseId,
      departmentCode: dept.code,
      departmentName: dept.name,
      itemCode: c.itemCode,
      channel: 'FULL_ONLINE',
      deliveryMethod: null,
      eventTime: t,
      sourceSystem: dept.sourceSystem,
      sourceRecordId: `BAD${pad(k + 1, 6)}`,
      attributes: {},
    };
    const record: MalformedRecord = { key: c.caseId, kind, reason: MALFORMED_REASON[kind], departmentCode: null };
    switch (kind) {
      case 'NOT_AVRO':
        record.text = JSON.stringify({ bjbh: c.caseId, sxbm: c.itemCode, zt: '受理', sj: new Date(t).toISOString() });
        break;
      case 'TRUNCATED':
      case 'UNKNOWN_SCHEMA':
        record.event = base;
        break;
      case 'EMPTY_VALUE':
        break;
      case 'INVALID_EVENT_TIME':
        record.event = { ...base, eventTime: 0 }; // 1970-01-01: an unset date in the source
        break;
      case 'MISSING_DELIVERY_METHOD':
        record.event = { ...base, kind: 'DELIVERED', channel: 'COMPREHENSIVE_WINDOW', deliveryMethod: null };
        break;
      case 'INVALID_CHANNEL_FOR_KIND':
        record.event = { ...base, kind: 'COMPLETED', channel: 'PHONE' };
        break;
      case 'UNKNOWN_KIND':
        record.event = { ...base, kind: 'UNKNOWN' };
        break;
      case 'CASE_ID_TOO_LONG':
        record.event = { ...base, caseId: c.caseId.padEnd(CONTRACT_LIMITS.caseId + 1, '0') };
        break;
      case 'EVENT_ID_TOO_LONG':
        record.event = { ...base, eventId: base.eventId.padEnd(CONTRACT_LIMITS.eventId + 1, '0') };
        break;
      case 'ITEM_CODE_TOO_LONG':
        record.event = { ...base, itemCode: `${c.itemCode}-`.padEnd(CONTRACT_LIMITS.itemCode + 1, 'X') };
        break;
      case 'SOURCE_SYSTEM_TOO_LONG':
        record.event = { ...base, sourceSystem: `${dept.sourceSystem}-`.padEnd(CONTRACT_LIMITS.sourceSystem + 1, 'x') };
        break;
      case 'SOURCE_RECORD_ID_TOO_LONG':
        record.event = { ...base, sourceRecordId: base.sourceRecordId.padEnd(CONTRACT_LIMITS.sourceRecordId + 1, '0') };
        break;
      case 'TOO_MANY_ATTRIBUTES':
        record.event = { ...base, attributes: attributesOf(CONTRACT_LIMITS.attributeCount + 1, 8, 8) };
        break;
      case 'ATTRIBUTE_NAME_TOO_LONG':
        record.event = { ...base, attributes: attributesOf(3, CONTRACT_LIMITS.attributeKey + 1, 8) };
        break;
      case 'ATTRIBUTE_VALUE_TOO_LONG':
        record.event = { ...base, attributes: attributesOf(2, 8, CONTRACT_LIMITS.attributeValue + 1) };
        break;
    }
    if (record.event) record.departmentCode = kind === 'TRUNCATED' || kind === 'UNKNOWN_SCHEMA' ? null : dept.code;
    malformed.push(record);
    malformedByReason[record.reason] = (malformedByReason[record.reason] ?? 0) + 1;
  }

  return {
    month,
    events,
    malformed,
    truth: { figures: b.tally.result(), duplicates: extraCopies.length, malformedByReason },
  };
}
