/**
 * The mapping of a department file: from a source record's columns to a case event. Declared once,
 * compiled once per department into a function that either returns the event or throws a MAP_* error
 * naming the column and the reason (the record is then dead-lettered; the stream goes on).
 */
import { z } from 'zod';
import { CHANNELS, DELIVERY_METHODS, EVENT_KINDS, type CaseEvent } from '../contract/case-event.js';
import { deriveEventId } from '../contract/event-json.js';
import { LIMITS } from '../contract/validate.js';
import { CasepipeError } from '../platform/errors.js';
import type { SourceRecord, SourceValue } from './connector.js';
import { localTimeParser } from './local-time.js';
import { hmacIdentifier, looksPersonal, type PersonalDataPolicy } from './personal-data.js';

const columnRule = z
  .object({
    column: z.string().min(1).describe('source column (CSV/XLSX header, JSON field)'),
    values: z.record(z.string(), z.string()).optional().describe('source value → event value; a value not listed is refused'),
    optional: z.boolean().default(false).describe('an empty cell gives no value instead of refusing the record'),
  })
  .strict();
const constantRule = z.object({ value: z.string().min(1).describe('the same value for every record') }).strict();
const fieldRule = z.union([columnRule, constantRule]);
type FieldRule = z.infer<typeof fieldRule>;

export const mappingSpec = z
  .object({
    sourceSystem: z.string().min(1).describe('CaseEvent.sourceSystem: the department system the records come from').meta({ examples: ['ybj-jbxt'] }),
    recordId: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe("columns whose values together identify a source record (event ids derive from them); default: the connector's own id, e.g. the file's content hash and row")
      .meta({ examples: [['流水号', '环节']] }),
    caseId: fieldRule.describe('办件编号 (for consultations: the consultation record id)').meta({ examples: [{ column: '办件编号' }] }),
    kind: fieldRule.describe(`event kind: ${EVENT_KINDS.filter((k) => k !== 'UNKNOWN').join(', ')}`).meta({ examples: [{ column: '环节', values: { 受理: 'RECEIVED', 办结: 'COMPLETED', 送达: 'DELIVERED' } }] }),
    channel: fieldRule.describe(`channel: ${CHANNELS.join(', ')}`).meta({ examples: [{ column: '受理渠道', values: { 网上办理: 'FULL_ONLINE', 综合窗口: 'COMPREHENSIVE_WINDOW' } }] }),
    deliveryMethod: fieldRule
      .optional()
      .describe(`送达方式 for DELIVERED records (${DELIVERY_METHODS.join(', ')}); ignored for other kinds`)
      .meta({ examples: [{ column: '送达方式', values: { '1': 'WINDOW_PICKUP', '2': 'ELECTRONIC', '3': 'MAIL' } }] }),
    eventTime: z
      .object({
        column: z.string().min(1).describe('source column holding the time').meta({ examples: ['发生时间'] }),
        format: z.string().min(1).describe('yyyy MM M dd d HH H mm ss SSS tokens, or iso (with a zone), or epoch-ms').meta({ examples: ['yyyy-MM-dd HH:mm:ss', 'yyyy/M/d H:mm'] }),
        timeZone: z.string().default('Asia/Shanghai').describe("the source system's time zone (IANA name): its naive local times are read in it"),
      })
      .strict()
      .describe('when the milestone happened'),
    itemCode: fieldRule.optional().describe('实施编码 of the service item'),
    departmentCode: fieldRule
      .optional()
      .describe("the department the case is for, when one source serves many (the comprehensive window accepts for every department); must be a declared department's code. Default: this file's code"),
    attributes: z.record(z.string(), fieldRule).default({}).describe('extra non-personal attributes: name → rule').meta({ examples: [{ 办件类型: { column: '办件类型', optional: true } }] }),
  })
  .strict()
  .describe('source record → case event');
export type Mapping = z.infer<typeof mappingSpec>;

export interface MappingTarget {
  departmentCode: string;
  departmentName: string;
  /** Declared departments, code → official name: what a mapped departmentCode may name. */
  declared?: ReadonlyMap<string, string>;
}

/** The columns a mapping reads. */
export function mappedColumns(mapping: Mapping): Set<string> {
  const rules: (FieldRule | undefined)[] = [mapping.caseId, mapping.kind, mapping.channel, mapping.deliveryMethod, mapping.itemCode, mapping.departmentCode, ...Object.values(mapping.attributes)];
  const cols = new Set<string>([mapping.eventTime.column, ...(mapping.recordId ?? [])]);
  for (const r of rules) if (r && 'column' in r) cols.add(r.column);
  return cols;
}

/** Problems of a mapping that no record can fix (checked when the department file loads). */
export function mappingProblems(mapping: Mapping, policy: PersonalDataPolicy): string[] {
  const out: string[] = [];
  const dropped = new Set(policy.drop);
  for (const col of mappedColumns(mapping)) {
    if (dropped.has(col)) out.push(`column ${JSON.stringify(col)} is declared personal (personalData.drop) and cannot be mapped; list it under personalData.hmac if an identifier must survive`);
  }
  if (policy.hmac.includes(mapping.eventTime.column)) out.push(`the event time column ${JSON.stringify(mapping.eventTime.column)} cannot be an HMAC column`);
  const enumCheck = (field: string, rule: FieldRule | undefined, allowed: readonly string[]) => {
    if (!rule) return;
    const targets = 'value' in rule ? [rule.value] : Object.values(rule.values ?? {});
    for (const t of targets) if (!allowed.includes(t)) out.push(`${field}: ${JSON.stringify(t)} is not one of ${allowed.join(', ')}`);
  };
  enumCheck('kind', mapping.kind, EVENT_KINDS.filter((k) => k !== 'UNKNOWN'));
  enumCheck('channel', mapping.channel, CHANNELS);
  enumCheck('deliveryMethod', mapping.deliveryMethod, DELIVERY_METHODS);
  return out;
}

export type RecordMapper = (record: SourceRecord) => CaseEvent;

export function compileMapping(mapping: Mapping, policy: PersonalDataPolicy, target: MappingTarget, hmacKey: string | undefined): RecordMapper {
  const hashed = new Set(policy.hmac);
  const parseTime = localTimeParser(mapping.eventTime.format, mapping.eventTime.timeZone);

  const cell = (record: SourceRecord, column: string): string | undefined => {
    const raw = record.fields?.[column];
    const text = cellText(raw);
    if (text === undefined) return undefined;
    if (hashed.has(column)) {
      if (!hmacKey) throw new CasepipeError('SECRET_MISSING', `column ${column} is hashed but no HMAC key was given`);
      return hmacIdentifier(hmacKey, text);
    }
    return text;
  };
  const field = (record: SourceRecord, name: string, rule: FieldRule, required: boolean): string | null => {
    if ('value' in rule) return rule.value;
    const text = cell(record, rule.column);
    if (text === undefined) {
      if (rule.optional || !required) return null;
      const present = record.fields !== undefined && rule.column in record.fields;
      throw new CasepipeError('MAP_MISSING_FIELD', `${name}: column ${JSON.stringify(rule.column)} is ${present ? 'empty' : 'not in the record'}`);
    }
    if (rule.values) {
      const mapped = rule.values[text];
      if (mapped === undefined) {
        const shown = hashed.has(rule.column) ? '(hashed value)' : JSON.stringify(text.slice(0, 40));
        throw new CasepipeError('MAP_UNKNOWN_VALUE', `${name}: column ${JSON.stringify(rule.column)} has ${shown}, not one of ${Object.keys(rule.values).map((k) => JSON.stringify(k)).join(', ')}`);
      }
      return mapped;
    }
    if (!hashed.has(rule.column)) {
      const pii = looksPersonal(text);
      if (pii) throw new CasepipeError('MAP_PERSONAL_DATA', `${name}: column ${JSON.stringify(rule.column)} holds what looks like a ${pii}; declare it under personalData`);
    }
    return text;
  };

  return (record) => {
    const kind = field(record, 'kind', mapping.kind, true) as CaseEvent['kind'];
    if (!EVENT_KINDS.includes(kind) || kind === 'UNKNOWN') {
      throw new CasepipeError('MAP_UNKNOWN_VALUE', `kind: ${JSON.stringify(kind)} is not a case event kind; map the source's values with kind.values`);
    }
    const channel = field(record, 'channel', mapping.channel, true) as CaseEvent['channel'];
    if (!CHANNELS.includes(channel)) throw new CasepipeError('MAP_UNKNOWN_VALUE', `channel: ${JSON.stringify(channel)} is not a channel; map the source's values with channel.values`);
    const deliveryMethod = kind === 'DELIVERED' && mapping.deliveryMethod ? (field(record, 'deliveryMethod', mapping.deliveryMethod, true) as CaseEvent['deliveryMethod']) : null;
    if (deliveryMethod !== null && !DELIVERY_METHODS.includes(deliveryMethod)) {
      throw new CasepipeError('MAP_UNKNOWN_VALUE', `deliveryMethod: ${JSON.stringify(deliveryMethod)} is not a delivery method; map the source's values with deliveryMethod.values`);
    }
    const timeRaw = record.fields?.[mapping.eventTime.column];
    const timeText = timeRaw instanceof Date ? timeRaw : cellText(timeRaw);
    if (timeText === undefined) throw new CasepipeError('MAP_MISSING_FIELD', `eventTime: column ${JSON.stringify(mapping.eventTime.column)} is empty or missing`);
    const eventTime = parseTime(timeText);

    const attributes: Record<string, string> = {};
    for (const [name, rule] of Object.entries(mapping.attributes)) {
      const v = field(record, `attributes.${name}`, rule, true);
      if (v !== null) attributes[name] = v;
    }
    let sourceRecordId = record.id;
    if (mapping.recordId) {
      const parts = mapping.recordId.map((col) => {
        const v = cell(record, col);
        if (v === undefined) throw new CasepipeError('MAP_MISSING_FIELD', `recordId: column ${JSON.stringify(col)} is empty or missing`);
        return v;
      });
      sourceRecordId = parts.join('|');
      if (sourceRecordId.length > LIMITS.sourceRecordId) throw new CasepipeError('MAP_MISSING_FIELD', `recordId is ${sourceRecordId.length} characters long, at most ${LIMITS.sourceRecordId}`);
    }
    let departmentCode = target.departmentCode;
    let departmentName = target.departmentName;
    if (mapping.departmentCode) {
      departmentCode = field(record, 'departmentCode', mapping.departmentCode, true) as string;
      const name = departmentCode === target.departmentCode ? target.departmentName : target.declared?.get(departmentCode);
      if (name === undefined) throw new CasepipeError('MAP_UNKNOWN_VALUE', `departmentCode: ${JSON.stringify(departmentCode.slice(0, 40))} is not a declared department (pipelines/departments)`);
      departmentName = name;
    }
    return {
      eventId: deriveEventId(mapping.sourceSystem, sourceRecordId, kind),
      kind,
      caseId: field(record, 'caseId', mapping.caseId, true) as string,
      departmentCode,
      departmentName,
      itemCode: mapping.itemCode ? field(record, 'itemCode', mapping.itemCode, false) : null,
      channel,
      deliveryMethod,
      eventTime,
      sourceSystem: mapping.sourceSystem,
      sourceRecordId,
      attributes,
    };
  };
}

/** A cell as trimmed text; undefined when empty. Date cells print as their wall time. */
export function cellText(value: SourceValue | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  let text: string;
  if (value instanceof Date) text = Number.isNaN(value.getTime()) ? '' : value.toISOString().replace('T', ' ').replace(/(\.000)?Z$/, '');
  else text = String(value);
  text = text.trim();
  return text === '' ? undefined : text;
}
