/**
 * Whether one Kafka record on the case-events topic can be counted: it decodes, the event keeps every
 * rule, and the record is keyed by the event's caseId. The stream worker judges every record with it,
 * and `dead-letters replay` judges a dead letter with it before sending it back (one judge, so a
 * replay knows what the worker will say).
 */
import { isCasepipeError, type ErrorCode } from '../platform/errors.js';
import type { CaseEvent } from './case-event.js';
import { readCaseEvent } from './codec.js';
import type { CaseEventSchemas } from './schema-registry.js';
import { deadLetterDepartment, validateCaseEvent } from './validate.js';

export type RecordCheck =
  | { ok: true; event: CaseEvent }
  | { ok: false; stage: 'decode' | 'validate'; code: ErrorCode; message: string; departmentCode: string | null };

export function checkCaseEventRecord(
  record: { key: Buffer | null | undefined; value: Buffer | null | undefined; timestampMs: number },
  schemas?: CaseEventSchemas,
): RecordCheck {
  let event: CaseEvent;
  try {
    event = readCaseEvent(record.value, schemas);
  } catch (err) {
    if (!isCasepipeError(err)) throw err; // a bug, not bad data
    return { ok: false, stage: 'decode', code: err.code, message: err.message, departmentCode: null };
  }
  const problem = validateCaseEvent(event, record.timestampMs);
  // A department code that is itself personal data is not kept as the dead letter's department.
  if (problem) return { ok: false, stage: 'validate', code: problem.code, message: problem.message, departmentCode: deadLetterDepartment(event, problem) };
  // Deduplication is partition-local: a copy keyed otherwise could land in another partition and be
  // counted a second time. The key is not echoed (it may hold anything a producer put there).
  if (!keyIs(record.key, event.caseId)) {
    const key = record.key == null ? 'the record has no key' : `the record's key (${record.key.length} bytes) differs`;
    return {
      ok: false,
      stage: 'validate',
      code: 'KEY_MISMATCH',
      message: `event ${JSON.stringify(event.eventId)}: ${key}; a case event must be keyed by its caseId (UTF-8), so every copy of a case lands in one partition`,
      departmentCode: event.departmentCode,
    };
  }
  return { ok: true, event };
}

/** Whether the key is the caseId's UTF-8 bytes; an ASCII caseId (the common case) is compared in place. */
export function keyIs(key: Buffer | null | undefined, caseId: string): boolean {
  if (key == null) return false;
  const n = caseId.length;
  if (key.length === n) {
    let i = 0;
    for (; i < n; i++) {
      const c = caseId.charCodeAt(i);
      if (c >= 0x80 || key[i] !== c) break;
    }
    if (i === n) return true;
    if (caseId.charCodeAt(i) < 0x80) return false; // an ASCII character that differs
  }
  if (key.length !== Buffer.byteLength(caseId, 'utf8')) return false;
  return key.equals(Buffer.from(caseId, 'utf8'));
}
