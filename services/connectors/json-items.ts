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
  return jsonlLines(file).map(({ line, value }) => {
    if (value instanceof Error) throw new Error(`${path.basename(file)} line ${line}: ${value.message}`);
    if (!isJsonObject(value)) throw new Error(`${path.basename(file)} line ${line} is not a JSON object`);
    return value;
  });
}

/** sampleRecords of both JSON types: item n is record `sample:<n>`; a line that is not an object is a record problem. */
export function jsonlSampleRecords(file: string): SourceRecord[] {
  const name = path.basename(file);
  return jsonlLines(file).map(({ line, value }, i) => {
    const location = `${name} line ${line}`;
    if (value instanceof Error) return { id: `sample:${i + 1}`, location, problem: { code: 'SOURCE_ROW_MALFORMED', message: value.message } };
    return itemRecord(value, `sample:${i + 1}`, location);
  });
}

function jsonlLines(file: string): { line: number; value: unknown }[] {
  const out: { line: number; value: unknown }[] = [];
  fs.readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .forEach((text, i) => {
      if (text.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        value = new Error('not JSON');
      }
      out.push({ line: i + 1, value });
    });
  return out;
}
