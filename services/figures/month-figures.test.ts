import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { readMonthFigures, readMonthFiguresAndFindings } from './month-figures.js';

const REGISTRY = new Map([
  ['YBJ', '省医保局'],
  ['JTYST', '交通运输厅'],
]);

async function store(rows: [code: string, name: string][]): Promise<DuckDBConnection> {
  const conn = await (await DuckDBInstance.create(':memory:')).connect();
  await conn.run(`CREATE TABLE milestones (department_code VARCHAR, department_name VARCHAR, kind VARCHAR, channel VARCHAR, delivery_method VARCHAR, month VARCHAR)`);
  await conn.run(`CREATE TABLE consultations (department_code VARCHAR, department_name VARCHAR, channel VARCHAR, month VARCHAR)`);
  for (const [code, name] of rows) await conn.run(`INSERT INTO milestones VALUES ($1, $2, 'RECEIVED', 'FULL_ONLINE', NULL, '2025-08')`, [code, name]);
  return conn;
}

describe('department names in the figures', () => {
  it('come from the registry: one event with a garbled name does not rename the department', async () => {
    // 'Ã¥' sorts before every CJK name: min(department_name) picked it.
    const conn = await store([['YBJ', '省医保局'], ['YBJ', '省医保局'], ['YBJ', 'Ã¥ç\u009c\u0081']]);
    const figures = await readMonthFigures(conn, '2025-08', REGISTRY);
    expect(figures.departments).toEqual([{ departmentCode: 'YBJ', departmentName: '省医保局', figures: expect.objectContaining({ fullOnlineReceived: 3 }) }]);
  });

  it('counts an undeclared code under its code and reports it and every differing name as findings', async () => {
    const conn = await store([['YBJ', '省医保局'], ['YBJ', '医保局'], ['XYZ', '某某局'], ['QQQ', '甲'], ['QQQ', '乙'], ['JTYST', '交通运输厅']]);
    const { figures, departmentFindings } = await readMonthFiguresAndFindings(conn, '2025-08', REGISTRY);
    expect(figures.departments.map((d) => [d.departmentCode, d.departmentName, d.figures.fullOnlineReceived])).toEqual([
      ['JTYST', '交通运输厅', 1],
      ['QQQ', 'QQQ', 2],
      ['XYZ', '某某局', 1],
      ['YBJ', '省医保局', 2],
    ]);
    expect(figures.total.fullOnlineReceived).toBe(6);
    expect(departmentFindings).toEqual([
      { departmentCode: 'QQQ', issue: 'UNDECLARED', registryName: null, reportedNames: ['乙', '甲'] },
      { departmentCode: 'XYZ', issue: 'UNDECLARED', registryName: null, reportedNames: ['某某局'] },
      { departmentCode: 'YBJ', issue: 'NAME_DIFFERS', registryName: '省医保局', reportedNames: ['医保局', '省医保局'] },
    ]);
  });
});
