/**
 * Rules beyond the Avro schema. A broken rule is a stable ErrorCode (the dead-letter reason) plus a
 * message naming the event and the field. Checks run in a fixed order, so one event always yields
 * the same first problem. Personal data is looked for first, in every text field, so that no later
 * message can repeat it: its own message names the field and the kind, never the value.
 */
import type { ErrorCode } from '../platform/errors.js';
import { CHANNELS, DELIVERY_METHODS, EVENT_KINDS, type CaseEvent, type Channel } from './case-event.js';
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

const CONSULTATION_CHANNELS: ReadonlySet<Channel> = new Set(['PHONE', 'ONSITE', 'OTHER']);
const CONSULTATION_ONLY_CHANNELS: ReadonlySet<Channel> = new Set(['PHONE', 'ONSITE']);
const DEPARTMENT_CODE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
// eslint-disable-next-line no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

export function validateCaseEvent(event: CaseEvent, ingestedAtMs: number): ValidationProblem | null {
  const personal = personalDataProblem(event);
  if (personal) return personal;
  const problem = (code: ErrorCode, field: string | undefined, why: string): ValidationProblem => ({
    code,
    field,
    message: `event ${JSON.stringify(event.eventId)} (case ${JSON.stringify(event.caseId)}): ${why}`,
  });

  const eventIdWhy = textProblem(event.eventId, LIMITS.eventId);
  if (eventIdWhy) return problem('INVALID_EVENT_ID', 'eventId', `eventId ${eventIdWhy}`);
  const caseIdWhy = textProblem(event.caseId, LIMITS.caseId);
  if (caseIdWhy) return problem('INVALID_CASE_ID', 'caseId', `caseId ${caseIdWhy}`);

  if (event.kind === 'UNKNOWN' || !EVENT_KINDS.includes(event.kind)) {
    return problem('UNKNOWN_KIND', 'kind', `kind ${JSON.stringify(event.kind)} is not one this pipeline counts (a newer writer's kind reads as UNKNOWN)`);
  }

  const codeWhy = textProblem(event.departmentCode, LIMITS.departmentCode);
  if (codeWhy) return problem('INVALID_DEPARTMENT', 'departmentCode', `departmentCode ${codeWhy}`);
  if (!DEPARTMENT_CODE_RE.test(event.departmentCode)) {
    return problem('INVALID_DEPARTMENT', 'departmentCode', `departmentCode ${JSON.stringify(event.departmentCode)} may hold only letters, digits, '.', '_' and '-'`);
  }
  const nameWhy = textProblem(event.departmentName, LIMITS.departmentName);
  if (nameWhy) return problem('INVALID_DEPARTMENT', 'departmentName', `departmentName ${nameWhy}`);

  const t = event.eventTime;
  if (!Number.isSafeInteger(t)) {
    return problem('INVALID_EVENT_TIME', 'eventTime', `eventTime ${String(t)} is not an integer epoch-millisecond instant`);
  }
  if (t < EARLIEST_EVENT_TIME_MS) {
    return problem('INVALID_EVENT_TIME', 'eventTime', `eventTime ${iso(t)} is before 2000-01-01 (CST)`);
  }
  if (t > ingestedAtMs + MAX_FUTURE_SKEW_MS) {
    return problem('INVALID_EVENT_TIME', 'eventTime', `eventTime ${iso(t)} is more than one day after ingestion (${iso(ingestedAtMs)})`);
  }

  if (!CHANNELS.includes(event.channel)) {
    return problem('INVALID_FIELD', 'channel', `channel ${JSON.stringify(event.channel)} is not a known channel`);
  }
  if (event.kind === 'CONSULTED') {
    if (!CONSULTATION_CHANNELS.has(event.channel)) {
      return problem('INVALID_CHANNEL_FOR_KIND', 'channel', `a consultation must come by PHONE, ONSITE or OTHER, not ${event.channel}`);
    }
  } else if (CONSULTATION_ONLY_CHANNELS.has(event.channel)) {
    return problem('INVALID_CHANNEL_FOR_KIND', 'channel', `${event.channel} is a consultation channel; a ${event.kind} case event cannot use it`);
  }

  if (event.kind === 'DELIVERED') {
    if (event.deliveryMethod == null) {
      return problem('MISSING_DELIVERY_METHOD', 'deliveryMethod', 'a DELIVERED event needs a deliveryMethod (WINDOW_PICKUP, MAIL, ELECTRONIC or OTHER)');
    }
    if (!DELIVERY_METHODS.includes(event.deliveryMethod)) {
      return problem('INVALID_FIELD', 'deliveryMethod', `deliveryMethod ${JSON.stringify(event.deliveryMethod)} is not a known method`);
    }
  } else if (event.deliveryMethod != null) {
    return problem('INVALID_FIELD', 'deliveryMethod', `deliveryMethod must be null for a ${event.kind} event (got ${event.deliveryMethod})`);
  }

  if (event.itemCode != null) {
    const why = textProblem(event.itemCode, LIMITS.itemCode);
    if (why) return problem('INVALID_FIELD', 'itemCode', `itemCode ${why} (use null when the source has none)`);
  }
  const systemWhy = textProblem(event.sourceSystem, LIMITS.sourceSystem);
  if (systemWhy) return problem('INVALID_FIELD', 'sourceSystem', `sourceSystem ${systemWhy}`);
  const recordWhy = textProblem(event.sourceRecordId, LIMITS.sourceRecordId);
  if (recordWhy) return problem('INVALID_FIELD', 'sourceRecordId', `sourceRecordId ${recordWhy}`);

  const attrs = event.attributes;
  if (attrs === null || typeof attrs !== 'object') {
    return problem('INVALID_FIELD', 'attributes', 'attributes must be a map of strings');
  }
  let count = 0;
  for (const key in attrs) {
    count++;
    const value = attrs[key];
    if (key === '__proto__') {
      return problem('INVALID_FIELD', 'attributes', 'attribute name __proto__ is not allowed (a reader of the event would drop it)');
    }
    if (key.length === 0 || key.length > LIMITS.attributeKey) {
      return problem('INVALID_FIELD', 'attributes', `attribute name ${JSON.stringify(key.slice(0, 80))} must be 1 to ${LIMITS.attributeKey} characters`);
    }
    if (typeof value !== 'string' || value.length > LIMITS.attributeValue) {
      return problem('INVALID_FIELD', `attributes.${key}`, `attribute ${key} must be a string of at most ${LIMITS.attributeValue} characters`);
    }
  }
  if (count > LIMITS.attributeCount) {
    return problem('INVALID_FIELD', 'attributes', `${count} attributes, at most ${LIMITS.attributeCount} allowed`);
  }
  return null;
}

/** Why a required text field is unusable, or null when it is fine. */
function textProblem(value: unknown, max: number): string | null {
  if (typeof value !== 'string') return `must be a string (got ${value === null ? 'null' : typeof value})`;
  if (value.trim().length === 0) return 'is empty';
  if (value.length > max) return `is ${value.length} characters long, at most ${max} allowed`;
  if (CONTROL_RE.test(value)) return 'contains control characters';
  if (value !== value.trim()) return 'has leading or trailing spaces';
  return null;
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
  else if ((kind = textKind(event.itemCode))) field = 'itemCode';
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
