import { PassThrough, Writable } from 'node:stream';
import type { Json } from '@duckdb/node-api';
import { queryOutput, TABLE_SAMPLE, type QueryFormat } from './query-output.js';

const columns = ['department_code', 'department_name', 'value', 'note'];
const rows: Json[][] = [
  ['JTYST', '交通运输厅', '12', null],
  ['SCJGJ', '市场监管局', '7', 'a, "b"'],
];

/** Everything the sink writes, with the rows given in chunks of one. */
async function render(format: QueryFormat, cols: string[], data: Json[][]): Promise<string> {
  let text = '';
  const out = new Writable({ write: (chunk: Buffer, _enc, done) => ((text += chunk.toString('utf8')), done()) });
  const sink = queryOutput(format, out);
  await sink.start(cols);
  for (const row of data) await sink.rows([row]);
  await sink.end();
  return text;
}

describe('queryOutput', () => {
  it('writes CSV with a header and quotes where needed', async () => {
    expect(await render('csv', columns, rows)).toBe(['department_code,department_name,value,note', 'JTYST,交通运输厅,12,', 'SCJGJ,市场监管局,7,"a, ""b"""', ''].join('\n'));
  });

  it('writes one JSON object per line', async () => {
    const lines = (await render('json', columns, rows)).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { department_code: 'JTYST', department_name: '交通运输厅', value: '12', note: null },
      { department_code: 'SCJGJ', department_name: '市场监管局', value: '7', note: 'a, "b"' },
    ]);
  });

  it('writes an aligned table, Chinese counted two columns wide, and the row count', async () => {
    expect(await render('table', columns, rows)).toBe(
      [
        'department_code  department_name  value  note',
        '---------------  ---------------  -----  ------',
        'JTYST            交通运输厅       12',
        'SCJGJ            市场监管局       7      a, "b"',
        '(2 rows)',
        '',
      ].join('\n'),
    );
  });

  it('takes table widths from the first rows and holds no more than those', async () => {
    const many: Json[][] = Array.from({ length: TABLE_SAMPLE + 1 }, (_, i) => [String(i % 10)]);
    many.push(['wider']);
    const lines = (await render('table', ['n'], many)).trimEnd().split('\n');
    expect(lines.slice(0, 3)).toEqual(['n', '-', '0']);
    expect(lines.at(-2)).toBe('wider');
    expect(lines.at(-1)).toBe(`(${TABLE_SAMPLE + 2} rows)`);
  });

  it('stops when the reader has gone (EPIPE) instead of failing', async () => {
    const out = new PassThrough();
    const sink = queryOutput('csv', out);
    await sink.start(['n']);
    out.emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(await sink.rows([['1']])).toBe(false);
  });
});
