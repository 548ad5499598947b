/**
 * Is every department still sending? A department is stale when nothing from it has reached Kafka for
 * longer than its declared cadence (`cadence` in pipelines/departments/<code>.yaml). Without that folder,
 * the departments seen in the store are watched with a one-day cadence.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Logger } from '../platform/logger.js';
import type { OperatorMetrics } from './operator-metrics.js';

/** For a department that declares no cadence. */
export const DEFAULT_CADENCE_MS = 24 * 3600_000;

export interface DeclaredDepartment {
  code: string;
  name: string | undefined;
  cadenceMs: number;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000, w: 7 * 86_400_000 };
const NAMED_MS: Record<string, number> = { hourly: UNIT_MS.h, daily: UNIT_MS.d, weekly: UNIT_MS.w, monthly: 31 * UNIT_MS.d };

/** `PT15M`, `P1D`, `90m`, `1h`, `2d`, `daily`, or a number of seconds; undefined when not a duration. */
export function parseCadence(value: unknown): number | undefined {
  if (typeof value === 'number' && value > 0) return value * 1000;
  // The department file's own form (services/departments/department-file.ts): `cadence: { every: 1d }`.
  if (typeof value === 'object' && value !== null && 'every' in value) return parseCadence((value as { every: unknown }).every);
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  if (NAMED_MS[v]) return NAMED_MS[v];
  const short = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(v);
  if (short) return Number(short[1]) * UNIT_MS[short[2]];
  const iso = /^p(?:(\d+)w)?(?:(\d+)d)?(?:t(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?)?$/.exec(v);
  if (iso && v !== 'p' && v !== 'pt') {
    const [w, d, h, m, s] = iso.slice(1).map((x) => Number(x ?? 0));
    const ms = (((w * 7 + d) * 24 + h) * 60 + m) * 60_000 + s * 1000;
    return ms > 0 ? ms : undefined;
  }
  return undefined;
}

/** The declared departments; an absent folder is no departments. A file that cannot be read is logged and skipped. */
export function readDeclaredDepartments(dir: string, logger: Logger): DeclaredDepartment[] {
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch {
    return [];
  }
  const out: DeclaredDepartment[] = [];
  for (const file of files) {
    try {
      const doc = (parseYaml(fs.readFileSync(path.join(dir, file), 'utf8')) ?? {}) as Record<string, unknown>;
      const dept = (typeof doc.department === 'object' && doc.department !== null ? doc.department : doc) as Record<string, unknown>;
      const code = typeof dept.code === 'string' ? dept.code : file.replace(/\.ya?ml$/, '');
      const cadence = doc.cadence ?? dept.cadence;
      const cadenceMs = parseCadence(cadence);
      if (cadence !== undefined && cadenceMs === undefined) logger.warn({ file, cadence }, 'department cadence is not a duration (e.g. PT1H, 1h, daily); using one day');
      out.push({ code, name: typeof dept.name === 'string' ? dept.name : undefined, cadenceMs: cadenceMs ?? DEFAULT_CADENCE_MS });
    } catch (err) {
      logger.warn({ file, err }, 'cannot read the department file; its department is not watched');
    }
  }
  return out;
}

export interface DepartmentHealth {
  code: string;
  name: string;
  /** When its latest record reached Kafka (or, before any this run, its latest stored event time); null: never. */
  lastEventAt: string | null;
  cadenceSeconds: number;
  declared: boolean;
  stale: boolean;
}

/** Latest arrival per department, from the batches the store applied plus a seed from the store. */
export class DepartmentActivity {
  private readonly last = new Map<string, { name: string; atMs: number }>();

  constructor(private readonly declared: DeclaredDepartment[], private readonly metrics: OperatorMetrics) {
    for (const d of declared) metrics.departmentCadence.set({ department: d.code }, d.cadenceMs / 1000);
  }

  /** An event of the department reached Kafka at `atMs` (the record's timestamp). */
  saw(code: string, name: string, atMs: number): void {
    const had = this.last.get(code);
    if (had && had.atMs >= atMs) return;
    this.last.set(code, { name, atMs });
    this.metrics.departmentLastEvent.set({ department: code }, atMs / 1000);
    if (!this.declared.some((d) => d.code === code)) this.metrics.departmentCadence.set({ department: code }, this.cadenceOf(code) / 1000);
  }

  health(nowMs: number): DepartmentHealth[] {
    const codes = new Set([...this.declared.map((d) => d.code), ...this.last.keys()]);
    const out: DepartmentHealth[] = [];
    for (const code of [...codes].sort()) {
      const declared = this.declared.find((d) => d.code === code);
      const seen = this.last.get(code);
      const cadenceMs = this.cadenceOf(code);
      const stale = !seen || nowMs - seen.atMs > cadenceMs;
      this.metrics.departmentStale.set({ department: code }, stale ? 1 : 0);
      out.push({
        code,
        name: declared?.name ?? seen?.name ?? code,
        lastEventAt: seen ? new Date(seen.atMs).toISOString() : null,
        cadenceSeconds: cadenceMs / 1000,
        declared: declared !== undefined,
        stale,
      });
    }
    return out;
  }

  private cadenceOf(code: string): number {
    return this.declared.find((d) => d.code === code)?.cadenceMs ?? DEFAULT_CADENCE_MS;
  }
}
