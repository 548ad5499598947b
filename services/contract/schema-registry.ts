/**
 * Every CaseEvent schema version in `schemas/` (`case-event.vN.avsc`), with its CRC-64-AVRO
 * fingerprint and a cached resolver from each writer version to the newest (the current reader).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import avsc from 'avsc';
import { CasepipeError } from '../platform/errors.js';
import { crc64AvroBytes } from './crc64-avro.js';

export const DEFAULT_SCHEMAS_DIR = fileURLToPath(new URL('../../schemas/', import.meta.url));
export const CASE_EVENT_FILE_RE = /^case-event\.v([1-9]\d*)\.avsc$/;

export interface SchemaVersion {
  version: number;
  file: string;
  /** Parsed without logical types: timestamp-millis stays a plain number (epoch ms). */
  type: avsc.Type;
  /** Parsing Canonical Form, what the fingerprint is taken over. */
  canonical: string;
  /** CRC-64-AVRO, 8 bytes little-endian, as it appears on the wire. */
  fingerprint: Buffer;
  /** The fingerprint as two uint32 halves, for a lookup without allocating. */
  fpLow: number;
  fpHigh: number;
}

export function parseSchemaFile(file: string, version: number): SchemaVersion {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CasepipeError('SCHEMA_INCOMPATIBLE', `${file}: not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  let type: avsc.Type;
  try {
    // No clone/compare/toBuffer… on decoded records: the worker passes them on as they come (no copy),
    // so they must look like plain objects to whoever enumerates them.
    type = avsc.Type.forSchema(json as avsc.Schema, { omitRecordMethods: true });
  } catch (err) {
    throw new CasepipeError('SCHEMA_INCOMPATIBLE', `${file}: not a valid Avro schema: ${(err as Error).message}`, { cause: err });
  }
  const canonical = JSON.stringify(type.schema());
  const fingerprint = crc64AvroBytes(canonical);
  return { version, file, type, canonical, fingerprint, fpLow: fingerprint.readUInt32LE(0), fpHigh: fingerprint.readUInt32LE(4) };
}

/** The `case-event.vN.avsc` files of a directory, oldest first. */
export function listSchemaFiles(dir: string): Array<{ version: number; file: string }> {
  return fs
    .readdirSync(dir)
    .map((name) => ({ name, m: CASE_EVENT_FILE_RE.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .map(({ name, m }) => ({ version: Number(m[1]), file: path.join(dir, name) }))
    .sort((a, b) => a.version - b.version);
}

export class CaseEventSchemas {
  readonly versions: readonly SchemaVersion[];
  /** The newest version: what every message is decoded into. */
  readonly current: SchemaVersion;
  private readonly resolvers = new Map<number, avsc.Resolver>();

  constructor(versions: SchemaVersion[]) {
    if (versions.length === 0) throw new CasepipeError('UNKNOWN_SCHEMA', 'no case-event.vN.avsc schema found');
    this.versions = [...versions].sort((a, b) => a.version - b.version);
    this.current = this.versions[this.versions.length - 1];
  }

  version(n: number): SchemaVersion {
    const v = this.versions.find((s) => s.version === n);
    if (!v) {
      const known = this.versions.map((s) => s.version).join(', ');
      throw new CasepipeError('UNKNOWN_SCHEMA', `no case-event schema v${n} (known: v${known})`);
    }
    return v;
  }

  /** The writer schema of a fingerprint (two little-endian uint32 halves), or undefined. */
  byFingerprint(low: number, high: number): SchemaVersion | undefined {
    // A handful of versions: a linear scan beats hashing a key.
    for (const v of this.versions) if (v.fpLow === low && v.fpHigh === high) return v;
    return undefined;
  }

  /** Resolver from a writer version to the current reader, built once. */
  resolverFor(writer: SchemaVersion): avsc.Resolver {
    let r = this.resolvers.get(writer.version);
    if (!r) {
      r = this.current.type.createResolver(writer.type);
      this.resolvers.set(writer.version, r);
    }
    return r;
  }
}

export function loadCaseEventSchemas(dir: string = DEFAULT_SCHEMAS_DIR): CaseEventSchemas {
  return new CaseEventSchemas(listSchemaFiles(dir).map(({ version, file }) => parseSchemaFile(file, version)));
}

let cached: CaseEventSchemas | undefined;

/**
 * The schemas shipped in `schemas/` (or in `CASEPIPE_SCHEMAS_DIR`, e.g. a deployment's own folder or a
 * test's), loaded once per process: a worker learns a new version when it restarts.
 */
export function caseEventSchemas(): CaseEventSchemas {
  if (cached) return cached;
  const dir = process.env.CASEPIPE_SCHEMAS_DIR || DEFAULT_SCHEMAS_DIR;
  if (!fs.existsSync(dir)) throw new CasepipeError('CONFIG_INVALID', `CASEPIPE_SCHEMAS_DIR: no such folder: ${dir}`);
  cached = loadCaseEventSchemas(dir);
  return cached;
}
