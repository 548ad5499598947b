import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { checkSchemaCompatibility } from './compatibility.js';
import { DEFAULT_SCHEMAS_DIR } from './schema-registry.js';

const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures');
const tmpDirs: string[] = [];
afterAll(() => tmpDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function dirWith(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'case-event-compat-'));
  tmpDirs.push(dir);
  for (const [name, from] of Object.entries(files)) fs.copyFileSync(from, path.join(dir, name));
  return dir;
}
const V1 = path.join(DEFAULT_SCHEMAS_DIR, 'case-event.v1.avsc');

describe('checkSchemaCompatibility', () => {
  it('passes on the versions shipped in schemas/', () => {
    const r = checkSchemaCompatibility();
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.versions[0]).toBe(1);
  });

  it('passes when v2 adds an optional field and an enum symbol', () => {
    const r = checkSchemaCompatibility(dirWith({ 'case-event.v1.avsc': V1, 'case-event.v2.avsc': path.join(FIXTURES, 'case-event.v2.compatible.avsc') }));
    expect(r).toEqual({ ok: true, versions: [1, 2], problems: [] });
  });

  it('fails when v2 adds a field without a default, naming the field', () => {
    const r = checkSchemaCompatibility(dirWith({ 'case-event.v1.avsc': V1, 'case-event.v2.avsc': path.join(FIXTURES, 'case-event.v2.incompatible.avsc') }));
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual(['v2 reader cannot read v1 data: CaseEvent.windowNumber: field is missing from the writer and has no default in the reader']);
  });

  it('fails when a new enum symbol meets an old reader without a default', () => {
    const v1 = JSON.parse(fs.readFileSync(V1, 'utf8'));
    const kind = v1.fields.find((f: { name: string }) => f.name === 'kind');
    delete kind.type.default;
    const v2 = structuredClone(v1);
    v2.fields.find((f: { name: string }) => f.name === 'kind').type.symbols.push('SUPERVISED');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'case-event-compat-'));
    tmpDirs.push(dir);
    fs.writeFileSync(path.join(dir, 'case-event.v1.avsc'), JSON.stringify(v1));
    fs.writeFileSync(path.join(dir, 'case-event.v2.avsc'), JSON.stringify(v2));
    const r = checkSchemaCompatibility(dir);
    expect(r.ok).toBe(false);
    expect(r.problems.join('\n')).toContain('v1 reader cannot read v2 data: CaseEvent.kind: enum EventKind lacks symbol(s) SUPERVISED and declares no default');
  });

  it('fails when a field changes type, and when a version repeats the previous one', () => {
    const v1 = JSON.parse(fs.readFileSync(V1, 'utf8'));
    const v2 = structuredClone(v1);
    v2.fields.find((f: { name: string }) => f.name === 'caseId').type = 'long';
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'case-event-compat-'));
    tmpDirs.push(dir);
    fs.writeFileSync(path.join(dir, 'case-event.v1.avsc'), JSON.stringify(v1));
    fs.writeFileSync(path.join(dir, 'case-event.v2.avsc'), JSON.stringify(v2));
    fs.writeFileSync(path.join(dir, 'case-event.v3.avsc'), JSON.stringify(v2));
    const r = checkSchemaCompatibility(dir);
    expect(r.ok).toBe(false);
    expect(r.problems).toContain('v3 has the same canonical form as v2: a new version must change the schema');
    expect(r.problems).toContain('v3 reader cannot read v1 data: CaseEvent.caseId: type changed from string to long');
  });

  it('fails on an empty directory and on a file that is not a schema', () => {
    expect(checkSchemaCompatibility(dirWith({})).ok).toBe(false);
    const dir = dirWith({ 'case-event.v1.avsc': V1 });
    fs.writeFileSync(path.join(dir, 'case-event.v2.avsc'), '{"type":"record"');
    const r = checkSchemaCompatibility(dir);
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatch(/case-event\.v2\.avsc: not valid JSON/);
  });
});
