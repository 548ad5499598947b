/**
 * The dedupe rule written the obvious way, in memory, as ground truth for the store's tests:
 * per key, the copy with the smallest rank tuple wins; copies counts them all.
 */
import type { CaseEvent } from '../../contract/case-event.js';
import { monthOf } from '../../contract/month.js';

export interface ReferenceRow {
  key: string;
  month: string;
  eventId: string;
  departmentCode: string;
  channel: string;
  deliveryMethod: string | null;
  copies: number;
}

function rank(e: CaseEvent): (string | number)[] {
  return e.kind === 'CONSULTED'
    ? [e.eventTime, e.eventId, e.channel, e.departmentName, e.sourceSystem, e.sourceRecordId]
    : [e.eventTime, e.eventId, e.channel, e.deliveryMethod ?? '', e.departmentCode, e.departmentName, e.itemCode ?? '', e.sourceSystem, e.sourceRecordId];
}

function before(a: CaseEvent, b: CaseEvent): boolean {
  const ra = rank(a);
  const rb = rank(b);
  for (let i = 0; i < ra.length; i++) {
    // DuckDB compares VARCHAR by bytes; JS `<` compares UTF-16 units, the same order for these ASCII ids.
    if (ra[i] < rb[i]) return true;
    if (ra[i] > rb[i]) return false;
  }
  return false;
}

export function keyOf(e: CaseEvent): string {
  return e.kind === 'CONSULTED' ? `CONSULTED|${e.departmentCode}|${e.caseId}` : `${e.kind}|${e.caseId}`;
}

export function referenceDedupe(events: Iterable<CaseEvent>): Map<string, ReferenceRow & { winner: CaseEvent }> {
  const out = new Map<string, ReferenceRow & { winner: CaseEvent }>();
  for (const e of events) {
    const key = keyOf(e);
    const row = out.get(key);
    if (row && !before(e, row.winner)) {
      row.copies++;
      continue;
    }
    out.set(key, {
      key,
      winner: e,
      month: monthOf(e.eventTime),
      eventId: e.eventId,
      departmentCode: e.departmentCode,
      channel: e.channel,
      deliveryMethod: e.deliveryMethod,
      copies: (row?.copies ?? 0) + 1,
    });
  }
  return out;
}
