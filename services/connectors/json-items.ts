/**
 * JSON items as source records, shared by http-poll and webhook: nested objects flattened to dotted
 * field names (`申请人.证件号码`, so personalData can name them), arrays kept as JSON text, and the
 * JSONL sample files of both types read the same way the live items are.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SourceRecord, SourceValue } from './connector.js';

export type JsonObject = { [key: string]: unknown };

export function isJsonObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `data.items` of a response; '' (or '.') is the response itself. undefined when a step is missing. */
export function atPath(value: unknown, dotted: string): unknown {
  if (dotted === '' || dotted === '.') return value;
  let at: unknown = value;
  for (const step of dotted.split('.')) {
    if (!isJsonObject(at) || !(step in at)) return undefined;
    at = at[step];
  }
  return at;
}

/** An item's fields: nested objects become dotted names, arrays JSON text. */
export function flattenItem(item: JsonObject, prefix = '', out: Record<string, SourceValue> = {}): Record<string, SourceValue> {
  for (const [k, v] of Object.entries(item)) {
    const name = prefix ? `${prefix}.${k}` : k;
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[name] = v;
    else if (isJsonObject(v)) flattenItem(v, name, out);
    else out[name] = JSON.stringify(v);
  }
  return out;
}

/** One item as a source record; an item that is not an object is a record problem (dead-lettered). */
export function itemRecord(item: unknown, id: string, location: string): SourceRecord {
  if (!isJsonObject(item)) {
    const what = item === null ? 'null' : Array.isArray(item) ? 'an array' : `a ${typeof item}`;
    return { id, location, problem: { code: 'SOURCE_ROW_MALFORMED', message: `the item is ${what}, not a JSON object` } };
  }
  return { id, location, fields: flattenItem(item) };
}

/** The items of a JSONL sample (one object per line; blank lines skipped; a bad line throws, naming it). */
export function readJsonlItems(file: string): JsonObject[] {
  const out: JsonObject[] = [];
  fs.readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((line, i) => {
      if (line.trim() === '') return;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        throw new Error(`${path.basename(file)} line ${i + 1} is not JSON`);
      }
      if (!isJsonObject(v)) throw new Error(`${path.basename(file)} line ${i + 1} is not a JSON object`);
      out.push(v);
    });
  return out;
}

/** sampleRecords of both JSON types: line n is record `sample:<n>`. */
export function jsonlSampleRecords(file: string): SourceRecord[] {
  const name = path.basename(file);
  return readJsonlItems(file).map((item, i) => itemRecord(item, `sample:${i + 1}`, `${name} item ${i + 1}`));
}
