/**
 * Full compatibility of the case-event versions in a directory: the newest reader reads every
 * older version, and every older reader reads the newest (transitively full, so a consumer still on
 * any old version keeps working). Problems name the field, e.g. `CaseEvent.region`.
 */
import avsc from 'avsc';
import { listSchemaFiles, parseSchemaFile, DEFAULT_SCHEMAS_DIR, type SchemaVersion } from './schema-registry.js';

export interface CompatibilityResult {
  ok: boolean;
  versions: number[];
  problems: string[];
}

export function checkSchemaCompatibility(dir: string = DEFAULT_SCHEMAS_DIR): CompatibilityResult {
  const problems: string[] = [];
  const files = listSchemaFiles(dir);
  if (files.length === 0) return { ok: false, versions: [], problems: [`${dir}: no case-event.vN.avsc file`] };

  const versions: SchemaVersion[] = [];
  for (const { version, file } of files) {
    try {
      versions.push(parseSchemaFile(file, version));
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length) return { ok: false, versions: files.map((f) => f.version), problems };

  const newest = versions[versions.length - 1];
  const seen = new Map<string, number>();
  for (const v of versions) {
    const fp = v.fingerprint.toString('hex');
    const same = seen.get(fp);
    if (same !== undefined) problems.push(`v${v.version} has the same canonical form as v${same}: a new version must change the schema`);
    seen.set(fp, v.version);
    if (v.type.name !== newest.type.name) {
      problems.push(`v${v.version} is record ${v.type.name}, v${newest.version} is ${newest.type.name}: the record name must not change`);
    }
  }
  for (const old of versions.slice(0, -1)) {
    problems.push(...readProblems(newest, old));
    problems.push(...readProblems(old, newest));
  }
  return { ok: problems.length === 0, versions: versions.map((v) => v.version), problems };
}

/** Why `reader` cannot read data written with `writer`, one line per problem. */
export function readProblems(reader: SchemaVersion, writer: SchemaVersion): string[] {
  const prefix = `v${reader.version} reader cannot read v${writer.version} data:`;
  const found = compare(reader.type, writer.type, shortName(reader.type)).map((p) => `${prefix} ${p}`);
  if (found.length === 0) {
    // avsc is the final word: what it refuses, the codec would refuse at run time.
    try {
      reader.type.createResolver(writer.type);
    } catch (err) {
      found.push(`${prefix} ${(err as Error).message}`);
    }
  }
  return found;
}

const PROMOTIONS: Record<string, string[]> = {
  int: ['long', 'float', 'double'],
  long: ['float', 'double'],
  float: ['double'],
  string: ['bytes'],
  bytes: ['string'],
};

function compare(reader: avsc.Type, writer: avsc.Type, path: string): string[] {
  const r = unwrapLogical(reader);
  const w = unwrapLogical(writer);

  if (w.typeName === 'union') {
    // Every branch the writer may have used must be readable.
    return (w as avsc.types.UnwrappedUnionType).types.flatMap((branch) => {
      if (r.typeName === 'union') {
        const ok = (r as avsc.types.UnwrappedUnionType).types.some((rb) => compare(rb, branch, path).length === 0);
        return ok ? [] : [`${path}: the writer's ${describeType(branch)} matches no branch of the reader's union`];
      }
      return compare(r, branch, path);
    });
  }
  if (r.typeName === 'union') {
    const ok = (r as avsc.types.UnwrappedUnionType).types.some((rb) => compare(rb, w, path).length === 0);
    return ok ? [] : [`${path}: the writer's ${describeType(w)} matches no branch of the reader's union`];
  }

  if (r.typeName !== w.typeName) {
    if (PROMOTIONS[w.typeName]?.includes(r.typeName)) return [];
    return [`${path}: type changed from ${describeType(w)} to ${describeType(r)}`];
  }

  switch (r.typeName) {
    case 'record':
    case 'error': {
      const rr = r as avsc.types.RecordType;
      const wr = w as avsc.types.RecordType;
      if (!sameName(rr, wr)) return [`${path}: record ${wr.name} cannot be read as ${rr.name}`];
      const problems: string[] = [];
      for (const field of rr.fields) {
        const names = [field.name, ...(field.aliases ?? [])];
        const match = wr.fields.find((wf) => names.includes(wf.name));
        const fieldPath = `${path}.${field.name}`;
        if (!match) {
          if (field.defaultValue() === undefined) {
            problems.push(`${fieldPath}: field is missing from the writer and has no default in the reader`);
          }
          continue;
        }
        problems.push(...compare(field.type, match.type, fieldPath));
      }
      return problems;
    }
    case 'enum': {
      const re = r as avsc.types.EnumType;
      const we = w as avsc.types.EnumType;
      if (!sameName(re, we)) return [`${path}: enum ${we.name} cannot be read as ${re.name}`];
      const missing = we.symbols.filter((s) => !re.symbols.includes(s));
      const fallback = (re as unknown as { default?: string }).default;
      if (missing.length && fallback === undefined) {
        return [`${path}: enum ${shortName(re)} lacks symbol(s) ${missing.join(', ')} and declares no default`];
      }
      return [];
    }
    case 'fixed': {
      const rf = r as avsc.types.FixedType;
      const wf = w as avsc.types.FixedType;
      if (!sameName(rf, wf)) return [`${path}: fixed ${wf.name} cannot be read as ${rf.name}`];
      return rf.size === wf.size ? [] : [`${path}: fixed size changed from ${wf.size} to ${rf.size}`];
    }
    case 'array':
      return compare((r as avsc.types.ArrayType).itemsType, (w as avsc.types.ArrayType).itemsType, `${path}[]`);
    case 'map':
      return compare((r as avsc.types.MapType).valuesType, (w as avsc.types.MapType).valuesType, `${path}{}`);
    default:
      return [];
  }
}

function unwrapLogical(t: avsc.Type): avsc.Type {
  return t.typeName === 'logical' || (t as { underlyingType?: avsc.Type }).underlyingType
    ? ((t as { underlyingType?: avsc.Type }).underlyingType ?? t)
    : t;
}

function sameName(r: avsc.Type, w: avsc.Type): boolean {
  const aliases = (r as { aliases?: string[] }).aliases ?? [];
  return r.name === w.name || (w.name !== undefined && aliases.includes(w.name));
}

function shortName(t: avsc.Type): string {
  const name = t.name ?? t.typeName;
  return name.slice(name.lastIndexOf('.') + 1);
}

function describeType(t: avsc.Type): string {
  return t.name ? `${t.typeName} ${shortName(t)}` : t.typeName;
}
