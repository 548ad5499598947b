/**
 * A declared department: pipelines/departments/<code>.yaml. Its official code and name (the report
 * names the department as this file does), its connector type and source, the mapping to case events,
 * the personal-data policy, the expected cadence and the limits on how hard its source is asked.
 * One zod spec validates the file, documents every option and scaffolds new files.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { CONNECTOR_TYPE_NAMES, connectorType, type SourceSettings } from '../connectors/connector-types.js';
import { personalDataSpec } from '../connectors/personal-data.js';
import { mappingProblems, mappingSpec } from '../connectors/record-mapping.js';
import { CasepipeError } from '../platform/errors.js';

const DURATION_RE = /^(\d+)(m|h|d)$/;

export const departmentSpec = z
  .object({
    code: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, . _ -').max(64).describe('official department code (CaseEvent.departmentCode); the file is named <code>.yaml').meta({ examples: ['YBJ'] }),
    name: z.string().min(1).max(128).describe('official name as the report writes it (中文)').meta({ examples: ['省医保局'] }),
    source: z
      .looseObject({ type: z.enum(CONNECTOR_TYPE_NAMES).describe('connector type') })
      .describe("the connector type and its settings (see the type's spec)"),
    sample: z
      .string()
      .min(1)
      .optional()
      .describe('a sample of the source for `casepipe connector test`, relative to this file: samples/<code>.<ext> (file-drop: an export file; sql-poll, http-poll, webhook: JSONL, one record per line)')
      .meta({ examples: ['samples/YBJ.csv'] }),
    mapping: mappingSpec,
    personalData: personalDataSpec.default({ drop: [], hmac: [] }),
    cadence: z
      .object({ every: z.string().regex(DURATION_RE, 'a duration such as 15m, 6h or 1d').describe('how often new data should arrive; the runtime warns when a department is silent for longer') })
      .strict()
      .meta({ examples: [{ every: '1d' }] }),
    limits: z
      .object({
        concurrency: z.number().int().min(1).max(64).default(1).describe('requests to the source at once'),
        requestsPerSecond: z.number().int().min(1).optional().describe('at most this many source requests per second'),
        retries: z.number().int().min(0).max(20).default(5).describe('tries after a transient source error (backoff doubles from 200 ms to 10 s)'),
      })
      .strict()
      .default({ concurrency: 1, retries: 5 }),
  })
  .strict();

export type DepartmentFile = z.infer<typeof departmentSpec>;
export interface Department extends Omit<DepartmentFile, 'source'> {
  source: SourceSettings;
  /** Where it was declared. */
  file: string;
}

export function durationMs(text: string): number {
  const m = DURATION_RE.exec(text);
  if (!m) throw new CasepipeError('DEPARTMENT_FILE_INVALID', `not a duration: ${text}`);
  return Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'm' | 'h' | 'd'];
}

/** Parses and checks one department file; every problem is named with its path in the file. */
export function parseDepartment(text: string, file: string): Department {
  const fail = (problems: string[]) => new CasepipeError('DEPARTMENT_FILE_INVALID', `${file}:\n  ${problems.join('\n  ')}`);
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (err) {
    throw fail([`not YAML: ${(err as Error).message}`]);
  }
  const parsed = departmentSpec.safeParse(raw);
  if (!parsed.success) throw fail(parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`));
  const d = parsed.data;
  const type = connectorType(d.source.type);
  const source = type!.spec.safeParse(d.source);
  if (!source.success) throw fail(source.error.issues.map((i) => `source.${i.path.join('.')}: ${i.message}`));
  const problems = mappingProblems(d.mapping, d.personalData);
  // A table's naive timestamps are in one zone: the watermark's (sql-poll) and the event time's.
  const sourceZone = (source.data as { timeZone?: string }).timeZone;
  if (sourceZone && !['iso', 'epoch-ms'].includes(d.mapping.eventTime.format) && sourceZone !== d.mapping.eventTime.timeZone) {
    problems.push(`source.timeZone ${sourceZone} differs from mapping.eventTime.timeZone ${d.mapping.eventTime.timeZone}`);
  }
  const base = path.basename(file).replace(/\.ya?ml$/, '');
  if (base !== d.code) problems.push(`code ${d.code} differs from the file name ${path.basename(file)} (name it ${d.code}.yaml)`);
  if (problems.length > 0) throw fail(problems);
  return { ...d, source: source.data, file };
}

export function loadDepartmentFile(file: string): Department {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CasepipeError('DEPARTMENT_FILE_INVALID', `${file} cannot be read: ${(err as Error).message}`);
  }
  return parseDepartment(text, file);
}
