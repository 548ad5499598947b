import { mappingSpec, compileMapping, mappingProblems } from './record-mapping.js';
import { hmacIdentifier, maskPatterns, personalDataSpec } from './personal-data.js';

const mapping = mappingSpec.parse({
  sourceSystem: 'ybj-jbxt',
  recordId: ['流水号'],
  caseId: { column: '办件编号' },
  kind: { column: '环节', values: { 受理: 'RECEIVED', 送达: 'DELIVERED' } },
  channel: { value: 'FULL_ONLINE' },
  deliveryMethod: { column: '送达方式', values: { '1': 'WINDOW_PICKUP', '3': 'MAIL' } },
  eventTime: { column: '时间', format: 'yyyy-MM-dd HH:mm:ss' },
  itemCode: { column: '实施编码', optional: true },
  attributes: { 申请人标识: { column: '身份证号' } },
});
const policy = personalDataSpec.parse({ drop: ['姓名'], hmac: ['身份证号'], hmacKey: { env: 'K' } });
const map = compileMapping(mapping, policy, { departmentCode: 'YBJ', departmentName: '省医保局' }, 'key');
const row = (fields: Record<string, string>) => ({ id: 'f:1', location: 'a.csv row 1', fields: { 流水号: 'L1', 办件编号: 'YB-1', 环节: '送达', 送达方式: '3', 时间: '2025-08-01 08:00:00', 身份证号: '11010519491231002X', 姓名: '张三', ...fields } });

describe('compileMapping', () => {
  it('maps a row: value maps, wall time in the zone, HMAC for the surviving identifier, record id from columns', () => {
    const e = map(row({}));
    expect(e).toMatchObject({ kind: 'DELIVERED', caseId: 'YB-1', deliveryMethod: 'MAIL', channel: 'FULL_ONLINE', itemCode: null, sourceRecordId: 'L1', departmentName: '省医保局' });
    expect(e.eventTime).toBe(Date.UTC(2025, 7, 1, 0, 0, 0));
    expect(e.attributes).toEqual({ 申请人标识: hmacIdentifier('key', '11010519491231002X') });
    expect(JSON.stringify(e)).not.toContain('张三');
    expect(map(row({})).eventId).toBe(e.eventId);
  });

  it('takes the delivery method only for DELIVERED', () => {
    expect(map(row({ 环节: '受理', 送达方式: '1' })).deliveryMethod).toBeNull();
  });

  it('refuses a row with a stable code naming the column', () => {
    expect(() => map(row({ 环节: '补正' }))).toThrow(expect.objectContaining({ code: 'MAP_UNKNOWN_VALUE', message: expect.stringContaining('column "环节" has "补正"') }));
    expect(() => map(row({ 办件编号: ' ' }))).toThrow(expect.objectContaining({ code: 'MAP_MISSING_FIELD', message: 'caseId: column "办件编号" is empty' }));
    expect(() => map(row({ 实施编码: '13800138000' }))).toThrow(expect.objectContaining({ code: 'MAP_PERSONAL_DATA' }));
  });

  it('maps the department a case is for when the source serves many (the comprehensive window), only to a declared one', () => {
    const window = compileMapping(
      mappingSpec.parse({ ...mapping, departmentCode: { column: '承办部门' } }),
      policy,
      { departmentCode: 'ZHCK', departmentName: '综合窗口', declared: new Map([['ZHCK', '综合窗口'], ['MZT', '民政厅']]) },
      'key',
    );
    expect(window({ ...row({}), fields: { ...row({}).fields, 承办部门: 'MZT' } })).toMatchObject({ departmentCode: 'MZT', departmentName: '民政厅' });
    expect(() => window({ ...row({}), fields: { ...row({}).fields, 承办部门: 'XZSPJ' } })).toThrow(expect.objectContaining({ code: 'MAP_UNKNOWN_VALUE', message: expect.stringContaining('"XZSPJ" is not a declared department') }));
    expect(map(row({})).departmentCode).toBe('YBJ');
  });

  it('refuses a mapping that reads a dropped personal column or names a value that is not in the contract', () => {
    const bad = mappingSpec.parse({ ...mapping, caseId: { column: '姓名' }, channel: { value: 'FAX' } });
    expect(mappingProblems(bad, policy)).toEqual([
      expect.stringContaining('column "姓名" is declared personal'),
      expect.stringContaining('channel: "FAX" is not one of'),
    ]);
  });
});

describe('maskPatterns', () => {
  it('masks ID-number and mobile digit runs inside text', () => {
    expect(maskPatterns('张三 11010519491231002X 电话13800138000')).toBe('张三 ****************** 电话***********');
  });
});
