/**
 * A plain in-memory reference implementation of the counting rules in docs/counting.md, for
 * tests: whatever the stream worker and the store do, their figures for a month must equal these.
 *
 * - Milestones (RECEIVED, COMPLETED, DELIVERED) are keyed by (caseId, kind); consultations by
 *   (departmentCode, caseId = consultation record id). UNKNOWN events count for nothing.
 * - Among copies of one key the earliest eventTime wins, ties broken by the smallest eventId
 *   (code-point order); the winner alone decides month, channel, department and delivery method.
 * - The month is the winner's CST month.
 * - departments lists those with at least one non-zero figure in the month, sorted by code.
 */
import type { CaseEvent } from '../contract/case-event.js';
import { monthOf } from '../contract/month.js';
import {
  emptyFigures,
  type DepartmentFigures,
  type FigureKey,
  type Month,
  type MonthFigures,
  type WindowFigures,
} from '../figures/window-figures.js';

function beats(a: CaseEvent, b: CaseEvent): boolean {
  if (a.eventTime !== b.eventTime) return a.eventTime < b.eventTime;
  return a.eventId < b.eventId;
}

/** The dedup key of an event, or null for events that never count (UNKNOWN kind). */
export function dedupKey(e: CaseEvent): string | null {
  switch (e.kind) {
    case 'RECEIVED':
    case 'COMPLETED':
    case 'DELIVERED':
      return `${e.kind}\u0000${e.caseId}`;
    case 'CONSULTED':
      return `CONSULTED\u0000${e.departmentCode}\u0000${e.caseId}`;
    default:
      return null;
  }
}

/** The winning copy of every milestone and consultation. */
export function winners(events: Iterable<CaseEvent>): Map<string, CaseEvent> {
  const best = new Map<string, CaseEvent>();
  for (const e of events) {
    const key = dedupKey(e);
    if (key === null) continue;
    const cur = best.get(key);
    if (cur === undefined || beats(e, cur)) best.set(key, e);
  }
  return best;
}

/** The figure a winning event counts towards, or null if it counts towards none. */
export function figureOf(e: CaseEvent): Exclude<FigureKey, 'totalHandled'> | null {
  switch (e.kind) {
    case 'RECEIVED':
      if (e.channel === 'FULL_ONLINE') return 'fullOnlineReceived';
      if (e.channel === 'COMPREHENSIVE_WINDOW') return 'windowReceived';
      return null;
    case 'COMPLETED':
      return e.channel === 'FULL_ONLINE' ? 'fullOnlineCompleted' : null;
    case 'DELIVERED':
      if (e.deliveryMethod === 'WINDOW_PICKUP') return 'windowDelivered';
      if (e.deliveryMethod === 'MAIL') return 'mailed';
      return null;
    case 'CONSULTED':
      if (e.channel === 'PHONE') return 'phoneConsultations';
      if (e.channel === 'ONSITE') return 'onsiteConsultations';
      return null;
    default:
      return null;
  }
}

/** Builds MonthFigures from counted (department, figure) increments. */
export class FiguresTally {
  private readonly departments = new Map<string, DepartmentFigures>();

  constructor(readonly month: Month) {}

  add(departmentCode: string, departmentName: string, figure: Exclude<FigureKey, 'totalHandled'>, n = 1): void {
    let d = this.departments.get(departmentCode);
    if (!d) {
      d = { departmentCode, departmentName, figures: emptyFigures() };
      this.departments.set(departmentCode, d);
    }
    d.figures[figure] += n;
    if (figure === 'fullOnlineReceived' || figure === 'windowReceived') d.figures.totalHandled += n;
  }

  result(): MonthFigures {
    const total: WindowFigures = emptyFigures();
    const departments = [...this.departments.values()]
      .filter((d) => Object.values(d.figures).some((v) => v !== 0))
      .sort((a, b) => (a.departmentCode < b.departmentCode ? -1 : a.departmentCode > b.departmentCode ? 1 : 0));
    for (const d of departments) {
      for (const k of Object.keys(total) as FigureKey[]) total[k] += d.figures[k];
    }
    return { month: this.month, total, departments };
  }
}

/** The month's figures by the DOMAIN.md rules, over all copies of all events. */
export function referenceFigures(events: Iterable<CaseEvent>, month: Month): MonthFigures {
  const tally = new FiguresTally(month);
  for (const e of winners(events).values()) {
    if (monthOf(e.eventTime) !== month) continue;
    const figure = figureOf(e);
    if (figure !== null) tally.add(e.departmentCode, e.departmentName, figure);
  }
  return tally.result();
}

/** Copies that deduplication drops: events with a dedup key minus distinct keys. */
export function referenceDuplicates(events: CaseEvent[]): number {
  let keyed = 0;
  const keys = new Set<string>();
  for (const e of events) {
    const k = dedupKey(e);
    if (k === null) continue;
    keyed += 1;
    keys.add(k);
  }
  return keyed - keys.size;
}
