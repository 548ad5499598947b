/**
 * `casepipe connector test`, the conformance kit: every declared department passes it against its
 * sample; it fails a mapping whose kind values do not fit the source (read), one that maps an ID
 * column into an attribute (read, personal-data) and one that carries a 个体工商户's credit code
 * (personal-data), naming the check; it names every problem of an invalid file (spec); and what
 * `connector new` writes for file-drop passes as written.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { failedChecks, runConformanceKit, type KitResult } from '../../services/connectors/conformance-kit.js';
import { scaffoldDepartment } from '../../services/connectors/department-scaffold.js';
import { silentLogger } from '../../services/platform/logger.js';
import { runCasepipe } from '../../services/snapshot/testing/run-cli.js';
import { PROJECT_ROOT } from '../fixtures/test-broker-state.js';

const departments = path.join(PROJECT_ROOT, 'pipelines', 'departments');
/** The real CLI, with no broker reachable: the kit must not need one. */
const cli = (args: string[]) => runCasepipe({ KAFKA_BROKERS: '127.0.0.1:1', LOG_LEVEL: 'warn' }, args);
const kit = (file: string) => runConformanceKit(file, { logger: silentLogger() });
const result = (results: KitResult[], check: string) => results.find((r) => r.check === check)!;

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-kit-'));
  fs.cpSync(path.join(departments, 'samples'), path.join(tmp, 'samples'), { recursive: true });
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A copy of a declared department file in the temporary folder, edited. */
function edited(code: string, edit: (yaml: string) => string): string {
  const file = path.join(tmp, `${code}.yaml`);
  const before = fs.readFileSync(path.join(departments, `${code}.yaml`), 'utf8');
  const after = edit(before);
  expect(after).not.toBe(before);
  fs.writeFileSync(file, after);
  return file;
}

describe('connector test', () => {
  const declared = fs.readdirSync(departments).filter((f) => f.endsWith('.yaml'));

  // Every declared file, in this process; the sql-poll ones through the real CLI as the engineer runs
  // it (their sample source is an embedded PostgreSQL, PGlite, whose wasm start is very slow inside jest's
  // module sandbox). No broker is reachable either way: the kit must not need one.
  it('passes every file in pipelines/departments against its sample', async () => {
    const sqlPoll = (name: string) => /^\s*type: sql-poll\s*$/m.test(fs.readFileSync(path.join(departments, name), 'utf8'));
    for (const name of declared) {
      const results = sqlPoll(name)
        ? await cli(['connector', 'test', path.join(departments, name), '--json']).then((run) => {
            expect({ file: name, code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ file: name, code: 0, stderr: '' });
            return JSON.parse(run.stdout) as KitResult[];
          })
        : await kit(path.join(departments, name));
      expect({ file: name, notPassed: results.filter((r) => r.status !== 'PASS') }).toEqual({ file: name, notPassed: [] });
      expect(result(results, 'resume').reason).toMatch(/\d+ added record/);
    }
  }, 300_000);

  it('fails a mapping whose kind values are not the source\'s, naming the check and each refused row (CLI: exit 2)', async () => {
    const file = edited('YBJ', (y) => y.replace('values: { 受理: RECEIVED, 办结: COMPLETED, 送达: DELIVERED, 咨询: CONSULTED }', 'values: { 受理登记: RECEIVED, 办结: COMPLETED, 送达: DELIVERED, 咨询: CONSULTED }'));
    const out = await cli(['connector', 'test', file]);
    expect(out.stderr).toContain('casepipe: connector test: YBJ.yaml failed: read');
    expect(out.code).toBe(2);
    expect(out.stdout).toMatch(/^FAIL read +3 of 9 sample record\(s\) refused$/m);
    expect(out.stdout).toContain('map MAP_UNKNOWN_VALUE: YBJ.csv row 1: kind: column "环节" has "受理", not one of "受理登记", "办结", "送达"');
    expect(out.stdout).toMatch(/^PASS personal-data/m);
  });

  it('fails a mapping that puts an ID number column into an attribute', async () => {
    const file = edited('ZHCK', (y) => y.replace('drop: [applicantName, idNumber, mobile, address]', 'drop: [applicantName, mobile, address]').replace('  itemCode:', '  attributes: { 证件: { column: idNumber } }\n  itemCode:'));
    const results = await kit(file);
    expect(failedChecks(results)).toEqual(['read', 'personal-data']);
    expect(result(results, 'personal-data').details[0]).toBe(
      'the mapping reads personal data into the event: ZHCK.jsonl row 1: attributes.证件: column "idNumber" holds what looks like a 身份证号 (ID number); declare it under personalData',
    );
  });

  it('fails events that carry a 个体工商户 credit code, and a declared personal value that slips into an event', async () => {
    const sample = path.join(tmp, 'samples', 'ZHCK.jsonl');
    const lines = fs.readFileSync(sample, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    lines[0].remark = '经营者 92510107MA6CXXXXX6';
    lines[1].remark = '申请单位 11100000000013127D'; // a government body's own code: fine
    lines[2].remark = `代办 ${lines[2].applicantName}`;
    fs.writeFileSync(sample, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const file = edited('ZHCK', (y) => y.replace('  itemCode:', '  attributes: { 备注: { column: remark, optional: true } }\n  itemCode:'));
    const results = await kit(file);
    expect(failedChecks(results)).toEqual(['personal-data']);
    const details = result(results, 'personal-data').details;
    expect(details).toContain('ZHCK.jsonl row 1: attributes.备注 holds a 统一社会信用代码 of a 个体工商户 (individual business: one person)');
    expect(details).toContain('ZHCK.jsonl row 3: attributes.备注 holds the value of personal column "applicantName" (ZHCK.jsonl row 3); map it only through personalData.hmac, or drop it');
    expect(details.join('\n')).not.toMatch(/row 2:/);
  });

  it('names every problem of an invalid file and skips the rest', async () => {
    const file = edited('JTYST', (y) => y.replace('已送达: DELIVERED', '已送达: SENT').replace('every: 7d', 'every: weekly'));
    const results = await kit(file);
    expect(results.map((r) => `${r.status} ${r.check}`)).toEqual(['FAIL spec', 'SKIP check', 'SKIP read', 'SKIP idempotent', 'SKIP resume', 'SKIP personal-data']);
    expect(result(results, 'spec').details).toEqual(['cadence.every: a duration such as 15m, 6h or 1d']);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('every: weekly', 'every: 7d').replace('sample: samples/JTYST.xlsx', 'sample: samples/missing.xlsx'));
    expect(result(await kit(file), 'spec').details).toEqual(['kind: "SENT" is not one of RECEIVED, COMPLETED, DELIVERED, CONSULTED', expect.stringMatching(/^sample: samples\/missing.xlsx does not exist/)]);
  });
});

describe('connector new', () => {
  it('writes a documented file-drop department, a sample and a test that pass connector test as written; never overwrites', async () => {
    const req = { type: 'file-drop', code: 'SCJGJ', name: '市场监管局', dir: path.join(tmp, 'departments'), testsDir: path.join(tmp, 'tests'), root: PROJECT_ROOT };
    const files = scaffoldDepartment(req);
    const yaml = fs.readFileSync(files.departmentFile, 'utf8');
    expect(yaml).toContain('# rows per batch: published together, then checkpointed\n  batchSize: 500\n');
    expect(yaml).toContain('inbox: /srv/casepipe/inbox/SCJGJ');
    expect(fs.readFileSync(files.testFile, 'utf8')).toContain('runConformanceKit');
    const results = await kit(files.departmentFile);
    expect(results.filter((r) => r.status !== 'PASS')).toEqual([]);
    expect(() => scaffoldDepartment(req)).toThrow(/already exist\(s\); nothing was written/);
    expect(() => scaffoldDepartment({ ...req, type: 'ftp', code: 'X' })).toThrow('unknown connector type "ftp"; known types: file-drop');
  });
});
