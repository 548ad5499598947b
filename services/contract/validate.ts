/**
 * Rules beyond the Avro schema. A broken rule is a stable ErrorCode (the dead-letter reason) plus a
 * message naming the event and the field. Checks run in a fixed order, so one event always yields
 * the same first problem. Personal data is looked for first, in every text field, so that no later
 * message can repeat it: its own message names the field and the kind, never the value.
 */
import type { ErrorCode } from '../platform/errors.js';
import { CHANNELS, DELIVERY_METHODS, type CaseEvent } from './case-event.js';
import { monthRange } from './month.js';
import { findPersonalData, PERSONAL_DATA_LABELS, type PersonalDataKind } from './personal-data.js';

export interface ValidationProblem {
  code: ErrorCode;
  message: string;
  /** The offending field, when there is one. */
  field?: string;
}

export const LIMITS = {
  caseId: 128,
  eventId: 128,
  departmentCode: 64,
  departmentName: 128,
  itemCode: 128,
  sourceSystem: 64,
  sourceRecordId: 256,
  attributeCount: 32,
  attributeKey: 64,
  attributeValue: 512,
} as const;

/** 2000-01-01 00:00 China Standard Time: nothing the hall reports is older. */
export const EARLIEST_EVENT_TIME_MS = monthRange('2000-01').startMs;
/** How far ahead of ingestion an event time may be (clock skew, time zones gone wrong). */
export const MAX_FUTURE_SKEW_MS = 24 * 60 * 60 * 1000;

const DEPARTMENT_CODE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

/**
 * The first broken rule of an event, or null. A valid event costs no allocation: the checks are
 * comparisons and scans, and a problem's message is built only once a rule is found broken.
 */
export function validateCaseEvent(event: CaseEvent, ingestedAtMs: number): ValidationProblem | null {
  const personal = personalDataProblem(event);
  if (personal) return personal;

  if (!textOk(event.eventId, LIMITS.eventId)) return problem(event, 'INVALID_EVENT_ID', 'eventId', `eventId ${textProblem(event.eventId, LIMITS.eventId)}`);
  if (!textOk(event.caseId, LIMITS.caseId)) return problem(event, 'INVALID_CASE_ID', 'caseId', `caseId ${textProblem(event.caseId, LIMITS.caseId)}`);

  const kind = event.kind;
  if (kind !== 'RECEIVED' && kind !== 'COMPLETED' && kind !== 'DELIVERED' && kind !== 'CONSULTED') {
    return problem(event, 'UNKNOWN_KIND', 'kind', `kind ${JSON.stringify(kind)} is not one this pipeline counts (a newer writer's kind reads as UNKNOWN)`);
  }

  if (!textOk(event.departmentCode, LIMITS.departmentCode)) {
    return problem(event, 'INVALID_DEPARTMENT', 'departmentCode', `departmentCode ${textProblem(event.departmentCode, LIMITS.departmentCode)}`);
  }
  if (!DEPARTMENT_CODE_RE.test(event.departmentCode)) {
    return problem(event, 'INVALID_DEPARTMENT', 'departmentCode', `departmentCode ${JSON.stringify(event.departmentCode)} may hold only letters, digits, '.', '_' and '-'`);
  }
  if (!textOk(event.departmentName, LIMITS.departmentName)) {
    return problem(event, 'INVALID_DEPARTMENT', 'departmentName', `departmentName ${textProblem(event.departmentName, LIMITS.departmentName)}`);
  }

  const t = event.eventTime;
  if (!Number.isSafeInteger(t)) {
    return problem(event, 'INVALID_EVENT_TIME', 'eventTime', `eventTime ${String(t)} is not an integer epoch-millisecond instant`);
  }
  if (t < EARLIEST_EVENT_TIME_MS) {
    return problem(event, 'INVALID_EVENT_TIME', 'eventTime', `eventTime ${iso(t)} is before 2000-01-01 (CST)`);
  }
  if (t > ingestedAtMs + MAX_FUTURE_SKEW_MS) {
    return problem(event, 'INVALID_EVENT_TIME', 'eventTime', `eventTime ${iso(t)} is more than one day after ingestion (${iso(ingestedAtMs)})`);
  }

  const channel = event.channel;
  if (!CHANNELS.includes(channel)) {
    return problem(event, 'INVALID_FIELD', 'channel', `channel ${JSON.stringify(channel)} is not a known channel`);
  }
  const consultationChannel = channel === 'PHONE' || channel === 'ONSITE';
  if (kind === 'CONSULTED') {
    if (!consultationChannel && channel !== 'OTHER') {
      return problem(event, 'INVALID_CHANNEL_FOR_KIND', 'channel', `a consultation must come by PHONE, ONSITE or OTHER, not ${channel}`);
    }
  } else if (consultationChannel) {
    return problem(event, 'INVALID_CHANNEL_FOR_KIND', 'channel', `${channel} is a consultation channel; a ${kind} case event cannot use it`);
  }

  const method = event.deliveryMethod;
  if (kind === 'DELIVERED') {
    if (method == null) {
      return problem(event, 'MISSING_DELIVERY_METHOD', 'deliveryMethod', 'a DELIVERED event needs a deliveryMethod (WINDOW_PICKUP, MAIL, ELECTRONIC or OTHER)');
    }
    if (!DELIVERY_METHODS.includes(method)) {
      return problem(event, 'INVALID_FIELD', 'deliveryMethod', `deliveryMethod ${JSON.stringify(method)} is not a known method`);
    }
  } else if (method != null) {
    return problem(event, 'INVALID_FIELD', 'deliveryMethod', `deliveryMethod must be null for a ${kind} event (got ${method})`);
  }

  if (event.itemCode != null && !textOk(event.itemCode, LIMITS.itemCode)) {
    return problem(event, 'INVALID_FIELD', 'itemCode', `itemCode ${textProblem(event.itemCode, LIMITS.itemCode)} (use null when the source has none)`);
  }
  if (!textOk(event.sourceSystem, LIMITS.sourceSystem)) {
    return problem(event, 'INVALID_FIELD', 'sourceSystem', `sourceSystem ${textProblem(event.sourceSystem, LIMITS.sourceSystem)}`);
  }
  if (!textOk(event.sourceRecordId, LIMITS.sourceRecordId)) {
    return problem(event, 'INVALID_FIELD', 'sourceRecordId', `sourceRecordId ${textProblem(event.sourceRecordId, LIMITS.sourceRecordId)}`);
  }

  const attrs = event.attributes;
  if (attrs === null || typeof attrs !== 'object') {
    return problem(event, 'INVALID_FIELD', 'attributes', 'attributes must be a map of strings');
  }
  let count = 0;
  for (const key in attrs) {
    count++;
    const value = attrs[key];
    if (key === '__proto__') {
      return problem(event, 'INVALID_FIELD', 'attributes', 'attribute name __proto__ is not allowed (a reader of the event would drop it)');
    }
    if (key.length === 0 || key.length > LIMITS.attributeKey) {
      return problem(event, 'INVALID_FIELD', 'attributes', `attribute name ${JSON.stringify(key.slice(0, 80))} must be 1 to ${LIMITS.attributeKey} characters`);
    }
    if (typeof value !== 'string' || value.length > LIMITS.attributeValue) {
      return problem(event, 'INVALID_FIELD', `attributes.${key}`, `attribute ${key} must be a string of at most ${LIMITS.attributeValue} characters`);
    }
  }
  if (count > LIMITS.attributeCount) {
    return problem(event, 'INVALID_FIELD', 'attributes', `${count} attributes, at most ${LIMITS.attributeCount} allowed`);
  }
  return null;
}

function problem(event: CaseEvent, code: ErrorCode, field: string | undefined, why: string): ValidationProblem {
  return { code, field, message: `event ${JSON.stringify(event.eventId)} (case ${JSON.stringify(event.caseId)}): ${why}` };
}

/**
 * Whether a required text field is usable: a string of 1 to `max` UTF-16 units, no control
 * characters, no leading or trailing white space. One pass, no allocation; textProblem says why not.
 */
export function textOk(value: unknown, max: number): boolean {
  if (typeof value !== 'string') return false;
  const n = value.length;
  if (n === 0 || n > max) return false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
  }
  return !isTrimmedSpace(value.charCodeAt(0)) && !isTrimmedSpace(value.charCodeAt(n - 1));
}

/** What String.prototype.trim removes (WhiteSpace and LineTerminator), controls left out: textOk refuses those anyway. */
function isTrimmedSpace(c: number): boolean {
  if (c === 0x20) return true;
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** Why a required text field is unusable (built only once textOk said it is). */
function textProblem(value: unknown, max: number): string {
  if (typeof value !== 'string') return `must be a string (got ${value === null ? 'null' : typeof value})`;
  if (value.trim().length === 0) return 'is empty';
  if (value.length > max) return `is ${value.length} characters long, at most ${max} allowed`;
  if (CONTROL_RE.test(value)) return 'contains control characters';
  if (value !== value.trim()) return 'has leading or trailing spaces';
  throw new Error(`textProblem called for a usable value (${JSON.stringify(value)})`);
}

/**
 * PERSONAL_DATA naming the first field that holds a 身份证号 or a mobile number (see personal-data.ts),
 * looked at in this order: eventId, caseId, kind, departmentCode, departmentName, itemCode, channel,
 * deliveryMethod, sourceSystem, sourceRecordId, then each attribute's name and value.
 * The last line of defence: connectors drop personal fields or replace them with a keyed hash.
 * Written out field by field: the worker runs it on every event.
 */
export function personalDataProblem(event: CaseEvent): ValidationProblem | null {
  let kind: PersonalDataKind | null;
  let field: string;
  if ((kind = textKind(event.eventId))) field = 'eventId';
  else if ((kind = textKind(event.caseId))) field = 'caseId';
  else if ((kind = textKind(event.kind))) field = 'kind';
  else if ((kind = textKind(event.departmentCode))) field = 'departmentCode';
  else if ((kind = textKind(event.departmentName))) field = 'departmentName';
  else if ((kind = itemCodeKind(event.itemCode))) field = 'itemCode';
  else if ((kind = textKind(event.channel))) field = 'channel';
  else if ((kind = textKind(event.deliveryMethod))) field = 'deliveryMethod';
  else if ((kind = textKind(event.sourceSystem))) field = 'sourceSystem';
  else if ((kind = textKind(event.sourceRecordId))) field = 'sourceRecordId';
  else {
    const attrs = event.attributes;
    if (attrs === null || typeof attrs !== 'object') return null;
    let index = 0;
    for (const key in attrs) {
      index++;
      if ((kind = findPersonalData(key))) return personalDataFound('attributes', `the name of attribute #${index}`, kind);
      if ((kind = textKind(attrs[key]))) return personalDataFound(`attributes.${key}`, `attribute ${key}`, kind);
    }
    return null;
  }
  return personalDataFound(field, field, kind);
}

function textKind(value: unknown): PersonalDataKind | null {
  return typeof value === 'string' ? findPersonalData(value) : null;
}

/**
 * The scan's verdict on an item code, remembered: a department's few thousand 实施编码 recur on every
 * event, and their dash-joined digit groups are the scan's costliest input (0.67 µs a call against
 * 0.02-0.2 for the other fields of the hot-path bench's events). Bounded: cleared past 16,384 codes.
 */
const itemCodeVerdicts = new Map<string, PersonalDataKind | null>();
function itemCodeKind(value: unknown): PersonalDataKind | null {
  if (typeof value !== 'string') return null;
  let kind = itemCodeVerdicts.get(value);
  if (kind === undefined) {
    kind = findPersonalData(value);
    if (itemCodeVerdicts.size >= 16_384) itemCodeVerdicts.clear();
    itemCodeVerdicts.set(value, kind);
  }
  return kind;
}

function personalDataFound(field: string, where: string, kind: PersonalDataKind): ValidationProblem {
  return {
    code: 'PERSONAL_DATA',
    field,
    message: `${where} holds personal data (${PERSONAL_DATA_LABELS[kind]}); the value is not repeated here. Connectors must drop personal fields or replace them with a keyed hash`,
  };
}

/**
 * The department a dead letter is counted under in the live store (and so in published snapshots):
 * none when the department code is itself the personal data.
 */
export function deadLetterDepartment(event: CaseEvent, problem: ValidationProblem): string | null {
  return problem.code === 'PERSONAL_DATA' && problem.field === 'departmentCode' ? null : event.departmentCode;
}

function iso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}
