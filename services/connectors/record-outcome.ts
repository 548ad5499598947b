/**
 * One source record through the connector's rules: mapped to a case event and validated with the
 * contract's rules, or refused with the stage (`map` or `validate`), the reason code and a message
 * naming the record's location. Shared by the runtime (which publishes or dead-letters) and the
 * offline `connector check` (which prints).
 */
import type { CaseEvent } from '../contract/case-event.js';
import type { DeadLetterStage } from '../contract/dead-letter.js';
import { validateCaseEvent } from '../contract/validate.js';
import { isCasepipeError, type ErrorCode } from '../platform/errors.js';
import type { SourceRecord } from './connector.js';
import { maskPatterns } from './personal-data.js';
import type { RecordMapper } from './record-mapping.js';

export interface Refusal {
  stage: DeadLetterStage;
  code: ErrorCode;
  /** Names the record's location and the reason; digit runs that look like ID or mobile numbers are masked. */
  message: string;
}

export type RecordOutcome = { event: CaseEvent; refusal?: undefined } | { event?: undefined; refusal: Refusal };

export function recordOutcome(record: SourceRecord, map: RecordMapper, ingestedAtMs: number): RecordOutcome {
  const refuse = (stage: DeadLetterStage, code: ErrorCode, why: string): RecordOutcome => ({ refusal: { stage, code, message: maskPatterns(`${record.location}: ${why}`) } });
  if (record.problem) return refuse('map', record.problem.code, record.problem.message);
  let event: CaseEvent;
  try {
    event = map(record);
  } catch (err) {
    if (!isCasepipeError(err) || err.canRetry) throw err;
    return refuse('map', err.code, err.message);
  }
  const problem = validateCaseEvent(event, ingestedAtMs);
  if (problem) return refuse('validate', problem.code, problem.message);
  return { event };
}
