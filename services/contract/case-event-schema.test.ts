import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { CHANNELS, DELIVERY_METHODS, EVENT_KINDS, type CaseEvent } from './case-event.js';
import { caseEventSchemas, DEFAULT_SCHEMAS_DIR } from './schema-registry.js';
import { decodeCaseEvent, encodeCaseEvent } from './codec.js';
import { sampleEvent } from './test-events.js';

interface FieldSchema {
  name: string;
  type: unknown;
  doc?: string;
  default?: unknown;
}
interface EnumSchema {
  type: 'enum';
  name: string;
  symbols: string[];
  default?: string;
  doc?: string;
}

const current = caseEventSchemas().current;
const raw = JSON.parse(fs.readFileSync(path.join(DEFAULT_SCHEMAS_DIR, `case-event.v${current.version}.avsc`), 'utf8')) as {
  name: string;
  namespace: string;
  fields: FieldSchema[];
};
const field = (name: string): FieldSchema => {
  const f = raw.fields.find((x) => x.name === name);
  if (!f) throw new Error(`schema has no field ${name}`);
  return f;
};
const enumOf = (t: unknown): EnumSchema => {
  const e = (Array.isArray(t) ? t.find((b) => typeof b === 'object' && b !== null) : t) as EnumSchema;
  if (e?.type !== 'enum') throw new Error(`not an enum: ${JSON.stringify(t)}`);
  return e;
};

// Every key of CaseEvent, checked by the compiler: adding a field to the type breaks this list.
const TS_FIELDS: { [K in keyof Required<CaseEvent>]: true } = {
  eventId: true,
  kind: true,
  caseId: true,
  departmentCode: true,
  departmentName: true,
  itemCode: true,
  channel: true,
  deliveryMethod: true,
  eventTime: true,
  sourceSystem: true,
  sourceRecordId: true,
  attributes: true,
};

describe('the CaseEvent TypeScript type matches the newest schema', () => {
  it('is gov.casepipe.CaseEvent', () => {
    expect(`${raw.namespace}.${raw.name}`).toBe('gov.casepipe.CaseEvent');
  });

  it('has the same fields, in the same order as the decoder returns them', () => {
    expect(raw.fields.map((f) => f.name).sort()).toEqual(Object.keys(TS_FIELDS).sort());
    const decoded = decodeCaseEvent(encodeCaseEvent(sampleEvent('DELIVERED'))).event;
    expect(Object.keys(decoded)).toEqual(raw.fields.map((f) => f.name));
  });

  it('has the same enum symbols, each enum defaulting to the symbol old readers fall back on', () => {
    expect(enumOf(field('kind').type).symbols).toEqual([...EVENT_KINDS]);
    expect(enumOf(field('kind').type).default).toBe('UNKNOWN');
    expect(enumOf(field('channel').type).symbols).toEqual([...CHANNELS]);
    expect(enumOf(field('channel').type).default).toBe('OTHER');
    expect(enumOf(field('deliveryMethod').type).symbols).toEqual([...DELIVERY_METHODS]);
    expect(enumOf(field('deliveryMethod').type).default).toBe('OTHER');
  });

  it('makes exactly the nullable TS fields nullable, with default null', () => {
    const nullable = raw.fields.filter((f) => Array.isArray(f.type) && (f.type as unknown[]).includes('null')).map((f) => f.name);
    expect(nullable.sort()).toEqual(['deliveryMethod', 'itemCode']);
    for (const name of nullable) expect(field(name).default).toBeNull();
  });

  it('types eventTime as timestamp-millis and attributes as a map of strings', () => {
    expect(field('eventTime').type).toEqual({ type: 'long', logicalType: 'timestamp-millis' });
    expect(field('attributes').type).toEqual({ type: 'map', values: 'string' });
    for (const name of ['eventId', 'caseId', 'departmentCode', 'departmentName', 'sourceSystem', 'sourceRecordId']) {
      expect([name, field(name).type]).toEqual([name, 'string']);
    }
  });

  it('documents every field with its Chinese term', () => {
    for (const f of raw.fields) expect([f.name, /[\u4e00-\u9fff]/.test(f.doc ?? '')]).toEqual([f.name, true]);
  });

  it('carries no personal-data field', () => {
    const personal = /^name$|applicant|person|idcard|idnumber|identity|phone|mobile|address|creditcode/i;
    const offenders = raw.fields.map((f) => f.name).filter((n) => n !== 'departmentName' && personal.test(n));
    expect(offenders).toEqual([]);
  });
});
