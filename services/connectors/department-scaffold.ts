/**
 * `casepipe connector new`: a department file written from the zod specs (the type's and the
 * department's), every option with its description as a comment and its example (or default) as the
 * value, plus a JSONL sample made from that file's own mapping and a test that runs the conformance kit
 * on it, so the three pass `casepipe connector test` as written. Nothing here knows a connector type:
 * a new type's spec is scaffolded as it is documented.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { CHANNELS, DELIVERY_METHODS, EVENT_KINDS } from '../contract/case-event.js';
import { departmentSpec, parseDepartment, type Department } from '../departments/department-file.js';
import { CasepipeError } from '../platform/errors.js';
import type { SourceValue } from './connector.js';
import { CONNECTOR_TYPE_NAMES, connectorType } from './connector-types.js';

export interface ScaffoldRequest {
  type: string;
  code: string;
  name?: string;
  /** Where department files live (pipelines/departments). */
  dir: string;
  /** Where the generated test goes (tests/connectors/departments). */
  testsDir: string;
  /** The project root, for the test's path to the department file. */
  root: string;
}

export interface ScaffoldResult {
  departmentFile: string;
  sampleFile: string;
  testFile: string;
}

interface JsonSchema {
  type?: string;
  description?: string;
  examples?: unknown[];
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

/** Optional options whose example, not their empty default, makes the better start. */
const START_FROM_EXAMPLE = new Set(['personalData.drop', 'mapping.attributes']);
const SAMPLE_RECORDS = 6;

export function scaffoldDepartment(req: ScaffoldRequest): ScaffoldResult {
  const type = connectorType(req.type);
  if (!type) throw new CasepipeError('SCAFFOLD_REFUSED', `unknown connector type ${JSON.stringify(req.type)}; known types: ${CONNECTOR_TYPE_NAMES.join(', ')}`);
  const codeCheck = departmentSpec.shape.code.safeParse(req.code);
  if (!codeCheck.success) throw new CasepipeError('SCAFFOLD_REFUSED', `department code ${JSON.stringify(req.code)}: ${codeCheck.error.issues.map((i) => i.message).join('; ')}`);
  const out: ScaffoldResult = {
    departmentFile: path.join(req.dir, `${req.code}.yaml`),
    sampleFile: path.join(req.dir, 'samples', `${req.code}.jsonl`),
    testFile: path.join(req.testsDir, `${req.code}.test.ts`),
  };
  const taken = Object.values(out).filter((f) => fs.existsSync(f));
  if (taken.length > 0) throw new CasepipeError('SCAFFOLD_REFUSED', `${taken.join(', ')} already exist(s); nothing was written (remove them, or choose another code)`);

  const yaml = departmentYaml(req, type.type, type.description, schemaOf(type.spec));
  const department = parseDepartment(yaml, out.departmentFile);
  const sample = sampleRecords(department).map((r) => JSON.stringify(r)).join('\n') + '\n';
  const test = testSource(req.code, path.relative(req.root, out.departmentFile), path.relative(path.dirname(out.testFile), req.root) || '.');
  fs.mkdirSync(path.dirname(out.sampleFile), { recursive: true });
  fs.mkdirSync(path.dirname(out.testFile), { recursive: true });
  fs.writeFileSync(out.departmentFile, yaml, { flag: 'wx' });
  fs.writeFileSync(out.sampleFile, sample, { flag: 'wx' });
  fs.writeFileSync(out.testFile, test, { flag: 'wx' });
  return out;
}

function schemaOf(spec: z.ZodType): JsonSchema {
  return z.toJSONSchema(spec, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

function departmentYaml(req: ScaffoldRequest, typeName: string, typeDescription: string, sourceSchema: JsonSchema): string {
  const dept = schemaOf(departmentSpec);
  const props = dept.properties!;
  // Examples name the example department (YBJ); in a new file they name the new one.
  const exampleCode = String(props.code.examples?.[0] ?? '');
  const rename = (v: unknown): unknown =>
    exampleCode && typeof v === 'string' ? v.split(exampleCode).join(req.code).split(exampleCode.toLowerCase()).join(req.code.toLowerCase()) : v;
  const lines: string[] = [
    `# ${req.code}${req.name ? ` ${req.name}` : ''}: written by \`casepipe connector new --type ${typeName}\`. Every option is`,
    '# documented above it; values are examples. Edit the source, the mapping and the personal columns to',
    `# the real system, replace samples/${req.code}.jsonl with a real export, then \`casepipe connector test\`.`,
  ];
  const fixed: Record<string, unknown> = { code: req.code, name: req.name ?? `${req.code}（填写正式名称）`, sample: `samples/${req.code}.jsonl` };
  for (const [key, schema] of Object.entries(props)) {
    if (key === 'source') {
      lines.push(...comment(`${schema.description ?? ''}. ${typeName}: ${typeDescription}`, ''), 'source:');
      lines.push(...objectLines(sourceSchema, '  ', 'source', rename));
    } else if (key in fixed) {
      lines.push(...comment(schema.description, ''), `${key}: ${flow(fixed[key])}`);
    } else {
      lines.push(...propertyLines(key, schema, (dept.required ?? []).includes(key), '', key, rename));
    }
  }
  return lines.join('\n') + '\n';
}

function objectLines(schema: JsonSchema, indent: string, at: string, rename: (v: unknown) => unknown): string[] {
  const out: string[] = [];
  for (const [key, prop] of Object.entries(schema.properties ?? {})) out.push(...propertyLines(key, prop, (schema.required ?? []).includes(key), indent, `${at}.${key}`, rename));
  return out;
}

function propertyLines(key: string, schema: JsonSchema, required: boolean, indent: string, at: string, rename: (v: unknown) => unknown): string[] {
  const notes = [schema.description, schema.enum ? `one of: ${schema.enum.join(', ')}` : undefined].filter(Boolean).join('; ');
  const example = schema.examples?.[0] !== undefined ? deepRename(schema.examples[0], rename) : undefined;
  const head = comment(notes, indent);
  if (schema.const !== undefined) return [...head, `${indent}${key}: ${flow(schema.const)}`];
  const isEmpty = (v: unknown) => (Array.isArray(v) && v.length === 0) || (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0);
  if (START_FROM_EXAMPLE.has(at) && example !== undefined) return [...head, `${indent}${key}: ${flow(example)}`];
  if (schema.properties && (required ? example === undefined : schema.default !== undefined)) {
    return [...head, `${indent}${key}:`, ...objectLines(schema, `${indent}  `, at, rename)];
  }
  if (required) {
    const value = example ?? schema.default ?? schema.enum?.[0];
    if (value === undefined) return [...head, `${indent}${key}: ''  # FILL IN: required`];
    return [...head, `${indent}${key}: ${flow(value)}`];
  }
  if (schema.default !== undefined) {
    const lines = [...head, `${indent}${key}: ${flow(schema.default)}`];
    if (isEmpty(schema.default) && example !== undefined) lines.push(`${indent}# e.g. ${key}: ${flow(example)}`);
    return lines;
  }
  if (example !== undefined) return [...head, `${indent}${key}: ${flow(example)}`];
  return [...head, `${indent}# ${key}: ${schema.enum ? String(schema.enum[0]) : '…'}`];
}

function deepRename(v: unknown, rename: (v: unknown) => unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => deepRename(x, rename));
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deepRename(x, rename)]));
  return rename(v);
}

function flow(value: unknown): string {
  return YAML.stringify(value, { collectionStyle: 'flow', lineWidth: 0 }).trim();
}

function comment(text: string | undefined, indent: string): string[] {
  if (!text) return [];
  const words = text.split(/\s+/);
  const out: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + w.length > 96) {
      out.push(`${indent}# ${line}`);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(`${indent}# ${line}`);
  return out;
}

/**
 * Records the department's own mapping accepts: the listed source values in turn, times in the
 * declared format, made-up personal values in every personal column (so the kit proves they stay out),
 * and a value for every column the source settings name (`…Column` options: a cursor, a timestamp).
 */
export function sampleRecords(d: Department): Record<string, SourceValue>[] {
  const m = d.mapping;
  const start = Date.UTC(2025, 7, 1, 1, 0, 0); // 09:00 in Beijing
  const records: Record<string, SourceValue>[] = [];
  const pick = (rule: { column: string; values?: Record<string, string> } | { value: string } | undefined, fallback: readonly string[], i: number, fields: Record<string, SourceValue>) => {
    if (!rule || !('column' in rule)) return;
    const keys = rule.values ? Object.keys(rule.values) : fallback;
    fields[rule.column] = keys[i % keys.length];
  };
  for (let i = 0; i < SAMPLE_RECORDS; i++) {
    const at = start + i * 3_600_000;
    const fields: Record<string, SourceValue> = {};
    for (const [key, value] of Object.entries(d.source)) {
      if (!/column$/i.test(key) || typeof value !== 'string') continue;
      fields[value] = /time|updated|modified|_at$|At$/i.test(`${key} ${value}`) ? new Date(at).toISOString() : i + 1;
    }
    for (const c of m.recordId ?? []) fields[c] = `${d.code}-${String(i + 1).padStart(4, '0')}`;
    if ('column' in m.caseId) fields[m.caseId.column] = `${d.code}-CASE-${Math.floor(i / 3) + 1}`;
    pick(m.kind, EVENT_KINDS.filter((k) => k !== 'UNKNOWN'), i, fields);
    pick(m.channel, CHANNELS, i, fields);
    pick(m.deliveryMethod, DELIVERY_METHODS, i, fields);
    if (m.itemCode && 'column' in m.itemCode) fields[m.itemCode.column] = `${d.code}-ITEM-${(i % 2) + 1}`;
    for (const rule of Object.values(m.attributes)) pick(rule, ['样例'], i, fields);
    fields[m.eventTime.column] = formatTime(at, m.eventTime.format);
    for (const c of [...d.personalData.drop, ...d.personalData.hmac]) fields[c] = personalValue(c, i);
    records.push(fields);
  }
  return records;
}

/** Beijing wall time of `ms` in a local-time format (or iso / epoch-ms). */
function formatTime(ms: number, format: string): string {
  if (format === 'epoch-ms') return String(ms);
  if (format === 'iso') return new Date(ms + 8 * 3_600_000).toISOString().replace('Z', '+08:00');
  const t = new Date(ms + 8 * 3_600_000);
  const p = (n: number, w: number) => String(n).padStart(w, '0');
  const parts: Record<string, string> = {
    yyyy: p(t.getUTCFullYear(), 4),
    MM: p(t.getUTCMonth() + 1, 2),
    M: String(t.getUTCMonth() + 1),
    dd: p(t.getUTCDate(), 2),
    d: String(t.getUTCDate()),
    HH: p(t.getUTCHours(), 2),
    H: String(t.getUTCHours()),
    mm: p(t.getUTCMinutes(), 2),
    ss: p(t.getUTCSeconds(), 2),
    SSS: p(t.getUTCMilliseconds(), 3),
  };
  return format.replace(/yyyy|MM|M|dd|d|HH|H|mm|ss|SSS/g, (tok) => parts[tok]);
}

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/** A made-up value that looks like what the column's name says (身份证号 with a valid check character, a mobile, a name). */
function personalValue(column: string, i: number): string {
  if (/身份证|证件|id.?(number|card|no)/i.test(column)) {
    const body = `51010719${80 + i}0${1 + (i % 9)}1${i}12${i}`.slice(0, 17);
    const sum = [...body].reduce((s, c, k) => s + Number(c) * ID_WEIGHTS[k], 0);
    return body + '10X98765432'[sum % 11];
  }
  if (/电话|手机|mobile|phone|tel/i.test(column)) return `139${String(10_000_000 + i * 7_919)}`;
  if (/地址|address/i.test(column)) return `四川省成都市武侯区人民南路${i + 1}号`;
  return `${'张王李赵刘陈'[i % 6]}${'伟芳娜敏静强'[(i * 5) % 6]}${'华明'[i % 2]}`;
}

function testSource(code: string, departmentFile: string, root: string): string {
  return `/**
 * ${code}.yaml passes the connector conformance kit (\`casepipe connector test\`) against its sample:
 * written by \`casepipe connector new\`; keep it green while editing the file and the sample.
 */
import path from 'node:path';
import { runConformanceKit } from '${root}/services/connectors/conformance-kit.js';
import { silentLogger } from '${root}/services/platform/logger.js';
import { PROJECT_ROOT } from '${root}/tests/fixtures/test-broker-state.js';

it('${code}.yaml passes connector test', async () => {
  const results = await runConformanceKit(path.join(PROJECT_ROOT, ${JSON.stringify(departmentFile)}), { logger: silentLogger() });
  expect(results.filter((r) => r.status !== 'PASS')).toEqual([]);
});
`;
}
