import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_DEPARTMENTS_DIR } from '../platform/config.js';
import { parseDepartment } from './department-file.js';
import { loadDepartmentRegistry } from './department-registry.js';

describe('department files', () => {
  it('every declared department in pipelines/departments loads', () => {
    const { departments } = loadDepartmentRegistry(DEFAULT_DEPARTMENTS_DIR);
    expect(departments.map((d) => d.code).sort()).toEqual(fs.readdirSync(DEFAULT_DEPARTMENTS_DIR).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')).sort());
    expect(departments.find((d) => d.code === 'YBJ')).toMatchObject({ name: '省医保局', source: { type: 'file-drop', encoding: 'gb18030', batchSize: 500 } });
  });

  it('names every problem with its place in the file', () => {
    const text = fs.readFileSync(path.join(DEFAULT_DEPARTMENTS_DIR, 'YBJ.yaml'), 'utf8');
    const broken = text.replace('encoding: gb18030', 'encoding: latin1').replace('every: 1d', 'every: daily').replace("caseId: { column: 办件编号 }", 'caseId: { column: 申请人姓名 }');
    expect(() => parseDepartment(broken.replace('encoding: latin1', 'encoding: gb18030'), 'YBJ.yaml')).toThrow(/cadence\.every: a duration such as 15m, 6h or 1d/);
    expect(() => parseDepartment(broken.replace('every: daily', 'every: 1d'), 'YBJ.yaml')).toThrow(/source\.encoding: /);
    expect(() => parseDepartment(text.replace("caseId: { column: 办件编号 }", 'caseId: { column: 申请人姓名 }'), 'YBJ.yaml')).toThrow(/column "申请人姓名" is declared personal/);
    expect(() => parseDepartment(text, 'ZJT.yaml')).toThrow(/code YBJ differs from the file name ZJT.yaml/);
    expect(() => parseDepartment(text.replace('hmacKey: { env: CASEPIPE_YBJ_HMAC_KEY }', ''), 'YBJ.yaml')).toThrow(/personalData.hmacKey: hmacKey is required/);
  });
});
