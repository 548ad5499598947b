/**
 * Writes the samples of the declared departments (pipelines/departments/samples/), which
 * `casepipe connector test` reads: YBJ a GB18030 CSV, JTYST an XLSX with date cells, ZHCK JSONL.
 * Every personal column holds made-up personal data, so the kit proves it never reaches an event.
 * Run: npx tsx tests/connectors/write-department-samples.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { PROJECT_ROOT } from '../fixtures/test-broker-state.js';
import { dropCsv, idNumber, sourceRows } from './connector-fixtures.js';

const dir = path.join(PROJECT_ROOT, 'pipelines', 'departments', 'samples');
fs.mkdirSync(dir, { recursive: true });
const people = sourceRows('S', 9);

dropCsv(dir, 'YBJ.csv', people, 'gb18030');

const wb = new ExcelJS.Workbook();
const sheet = wb.addWorksheet('办件明细');
sheet.addRow(['记录号', '申办流水号', '办件状态', '申请方式', '送达方式', '状态时间', '实施编码', '申请人', '申请人证件号码', '手机号码', '通讯地址']);
people.forEach((p, i) => {
  const status = ['已受理', '已办结', '已送达'][i % 3];
  sheet.addRow([
    `JT-${1000 + i}`,
    `JT2025080${Math.floor(i / 3) + 1}`,
    status,
    ['网上申请', '窗口申请', '综窗代收'][Math.floor(i / 3) % 3],
    status === '已送达' ? ['窗口领取', '邮寄送达', '电子证照'][Math.floor(i / 3) % 3] : null,
    new Date(Date.UTC(2025, 7, 4 + i, 9 + i, 30, 0)), // Excel keeps the wall time
    i % 4 === 0 ? null : '511A0138000000-511602000000-000-115113010833722043-1-00',
    p.申请人姓名,
    idNumber(100 + i),
    p.联系电话,
    p.联系地址,
  ]);
});
await wb.xlsx.writeFile(path.join(dir, 'JTYST.xlsx'));

const lines = people.slice(0, 6).map((p, i) => ({
  id: `ZH-${5000 + i}`,
  caseNo: `ZHCK-2025-${Math.floor(i / 2) + 1}`,
  step: i % 2 === 0 ? 'accept' : 'handover',
  deliveryType: i % 2 === 0 ? null : ['1', '3'][Math.floor(i / 2) % 2],
  time: `2025-08-1${i}T1${i}:05:00+08:00`,
  itemCode: '511A0138000000-511602000000-000-115113010833722043-1-00',
  applicantName: p.申请人姓名,
  idNumber: p.身份证号,
  mobile: p.联系电话,
  address: p.联系地址,
}));
fs.writeFileSync(path.join(dir, 'ZHCK.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
console.log(`wrote ${fs.readdirSync(dir).join(', ')} in ${dir}`);
