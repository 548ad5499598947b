/**
 * The department registry: every pipelines/departments/<code>.yaml. It is the truth for department
 * names: figures, snapshots and reports name a department as the registry does, never as an event
 * said. An event whose code is not declared is still counted, under its code (refusing it would
 * change the hall's totals because a file is missing); both cases show in the report's data-quality
 * section (see departmentFindings).
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { DEFAULT_DEPARTMENTS_DIR } from '../platform/config.js';
import { CasepipeError } from '../platform/errors.js';
import { loadDepartmentFile, type Department } from './department-file.js';

export interface DepartmentRegistry {
  departments: Department[];
  /** Official name by code. */
  names: ReadonlyMap<string, string>;
}

export function loadDepartmentRegistry(dir: string): DepartmentRegistry {
  let files: string[];
  try {
    files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') files = [];
    else throw new CasepipeError('DEPARTMENT_FILE_INVALID', `department registry ${dir} cannot be read: ${(err as Error).message}`);
  }
  const departments = files.map((f) => loadDepartmentFile(path.join(dir, f)));
  return { departments, names: new Map(departments.map((d) => [d.code, d.name])) };
}

/** A department the events name differently from the registry, or one the registry does not know. */
export interface DepartmentFinding {
  departmentCode: string;
  issue: 'UNDECLARED' | 'NAME_DIFFERS';
  /** The registry's name, when declared. */
  registryName: string | null;
  /** Every name the month's counted events carried for this code. */
  reportedNames: string[];
}

export function departmentFindings(names: ReadonlyMap<string, string>, reported: ReadonlyMap<string, string[]>): DepartmentFinding[] {
  const out: DepartmentFinding[] = [];
  for (const [code, seen] of [...reported].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const official = names.get(code);
    if (official === undefined) out.push({ departmentCode: code, issue: 'UNDECLARED', registryName: null, reportedNames: seen });
    else if (seen.some((n) => n !== official)) out.push({ departmentCode: code, issue: 'NAME_DIFFERS', registryName: official, reportedNames: seen });
  }
  return out;
}

const namesByDir = new Map<string, ReadonlyMap<string, string>>();

/**
 * Official names by code, for figures and reports: only `code` and `name` of each file are read, so a
 * department whose connector settings are broken (which `casepipe connector check` reports) still
 * keeps its name. Read once per process. The folder: CASEPIPE_DEPARTMENTS_DIR, else pipelines/departments.
 */
export function registryNames(dir = process.env.CASEPIPE_DEPARTMENTS_DIR ? path.resolve(process.env.CASEPIPE_DEPARTMENTS_DIR) : DEFAULT_DEPARTMENTS_DIR): ReadonlyMap<string, string> {
  let names = namesByDir.get(dir);
  if (!names) {
    const found = new Map<string, string>();
    const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)) : [];
    for (const f of files) {
      let doc: unknown;
      try {
        doc = YAML.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
      } catch {
        continue; // not YAML: the department counts as undeclared until its file is fixed
      }
      const { code, name } = (doc ?? {}) as { code?: unknown; name?: unknown };
      if (typeof code === 'string' && typeof name === 'string') found.set(code, name);
    }
    names = found;
    namesByDir.set(dir, names);
  }
  return names;
}
