/**
 * Case events as JSON, for people: the input of `casepipe events publish` and the output of
 * `casepipe events tail`. eventTime is an ISO-8601 string (with a zone) or epoch ms; eventId may be
 * left out and is then derived from sourceSystem + sourceRecordId + kind.
 */
import { createHash } from 'node:crypto';
import { CasepipeError } from '../platform/errors.js';
import type { CaseEvent, EventKind } from './case-event.js';
import { opaqueId } from './opaque-id.js';

const FIELDS = [
  'eventId',
  'kind',
  'caseId',
  'departmentCode',
  'departmentName',
  'itemCode',
  'channel',
  'deliveryMethod',
  'eventTime',
  'sourceSystem',
  'sourceRecordId',
  'attributes',
] as const satisfies ReadonlyArray<keyof CaseEvent>;
const KNOWN = new Set<string>(FIELDS);

/** A stable event id for a source record's milestone: sha1 hex of sourceSystem, sourceRecordId and kind. */
export function deriveEventId(sourceSystem: string, sourceRecordId: string, kind: EventKind): string {
  return opaqueId(createHash('sha1').update(`${sourceSystem}\u0000${sourceRecordId}\u0000${kind}`).digest());
}

// ISO-8601 with a date, a time and an explicit zone: a zone-less time would be read in the machine's TZ.
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|([+-])(\d{2}):?(\d{2}))$/;

/**
 * Epoch ms of an ISO-8601 time, or NaN when a part is out of range. Date.parse would roll
 * 2025-02-30 over to March 2; a time that does not exist is refused instead.
 */
function isoToEpochMs(text: string): number {
  const m = ISO_RE.exec(text);
  if (!m) return NaN;
  const [year, month, day, hour, minute, second = 0] = m.slice(1, 7).map((part) => (part === undefined ? undefined : Number(part))) as number[];
  const offset = m[8] === undefined ? 0 : (m[8] === '-' ? -1 : 1) * (Number(m[9]) * 60 + Number(m[10]));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return NaN;
  if (m[8] !== undefined && (Number(m[9]) > 18 || Number(m[10]) > 59)) return NaN;
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset * 60_000;
}

export function parseEventTime(value: unknown): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return value;
  } else if (typeof value === 'string') {
    const ms = isoToEpochMs(value);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new CasepipeError(
    'INVALID_EVENT_TIME',
    `eventTime ${JSON.stringify(value)} is neither epoch milliseconds nor a real ISO-8601 time with a zone (e.g. 2025-08-31T16:30:00Z or 2025-09-01T00:30:00+08:00; no 30 February, no hour 24)`,
  );
}

/**
 * Turn one parsed JSON value into a CaseEvent. Shape errors (wrong types, unknown fields) throw
 * INVALID_FIELD naming the field; the content rules are validateCaseEvent's job.
 */
export function caseEventFromJson(json: unknown): CaseEvent {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new CasepipeError('INVALID_FIELD', 'a case event must be a JSON object');
  }
  const o = json as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !KNOWN.has(k));
  if (unknown.length) {
    throw new CasepipeError('INVALID_FIELD', `unknown field(s) ${unknown.join(', ')} (known: ${FIELDS.join(', ')})`);
  }
  const str = (name: (typeof FIELDS)[number]): string => {
    const v = o[name];
    if (typeof v !== 'string') throw new CasepipeError('INVALID_FIELD', `${name} must be a string (got ${v === undefined ? 'nothing' : JSON.stringify(v)})`);
    return v;
  };
  const optStr = (name: (typeof FIELDS)[number]): string | null => (o[name] == null ? null : str(name));

  const attributes = o.attributes ?? {};
  if (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes)) {
    throw new CasepipeError('INVALID_FIELD', 'attributes must be an object of strings');
  }
  for (const [k, v] of Object.entries(attributes)) {
    if (typeof v !== 'string') throw new CasepipeError('INVALID_FIELD', `attributes.${k} must be a string (got ${JSON.stringify(v)})`);
  }
  const kind = str('kind') as EventKind;
  const sourceSystem = str('sourceSystem');
  const sourceRecordId = str('sourceRecordId');
  return {
    eventId: o.eventId == null ? deriveEventId(sourceSystem, sourceRecordId, kind) : str('eventId'),
    kind,
    caseId: str('caseId'),
    departmentCode: str('departmentCode'),
    departmentName: str('departmentName'),
    itemCode: optStr('itemCode'),
    channel: str('channel') as CaseEvent['channel'],
    deliveryMethod: optStr('deliveryMethod') as CaseEvent['deliveryMethod'],
    eventTime: parseEventTime(o.eventTime),
    sourceSystem,
    sourceRecordId,
    attributes: attributes as Record<string, string>,
  };
}

/** The event as JSON for people: eventTime as an ISO-8601 UTC string (publish reads it back). */
export function caseEventToJson(event: CaseEvent): Record<string, unknown> {
  return { ...event, eventTime: new Date(event.eventTime).toISOString() };
}
