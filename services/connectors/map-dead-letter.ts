/**
 * A source record the connector refused, as a dead letter. There are no original Kafka bytes, so the
 * value is a JSON description of the record for the integration engineer: its location, its source id
 * and the values of the mapped, non-personal columns (ID- and mobile-like digit runs masked). Personal
 * columns and columns the mapping does not read are named, never shown: an unmapped column may hold
 * anything. The source headers say `connector/<code>`, partition -1 and the location.
 */
import { deadLetterMessage, type DeadLetterMessage } from '../contract/dead-letter.js';
import type { SourceRecord } from './connector.js';
import { maskPatterns, type PersonalDataPolicy } from './personal-data.js';
import { cellText, mappedColumns, type Mapping } from './record-mapping.js';
import type { Refusal } from './record-outcome.js';

export const DEPARTMENT_HEADER = 'casepipe.department';

export function mapDeadLetter(department: { code: string; mapping: Mapping; personalData: PersonalDataPolicy }, record: SourceRecord, refusal: Refusal): DeadLetterMessage {
  const mapped = mappedColumns(department.mapping);
  const personal = new Set([...department.personalData.drop, ...department.personalData.hmac]);
  const fields: Record<string, string | null> = {};
  for (const [column, value] of Object.entries(record.fields ?? {})) {
    if (personal.has(column)) fields[column] = '[personal: not shown]';
    else if (!mapped.has(column)) fields[column] = '[not mapped: not shown]';
    else {
      const text = cellText(value);
      fields[column] = text === undefined ? null : maskPatterns(text);
    }
  }
  const value = { department: department.code, location: record.location, sourceRecordId: record.id, fields };
  return deadLetterMessage({
    topic: `connector/${department.code}`,
    partition: -1,
    offset: record.location,
    key: Buffer.from(department.code),
    value: Buffer.from(JSON.stringify(value)),
    headers: { [DEPARTMENT_HEADER]: department.code },
    stage: refusal.stage,
    code: refusal.code,
    message: refusal.message,
  });
}
