import iconv from 'iconv-lite';
import { decodeText, readTable } from './read-table.js';

const settings = { encoding: 'auto' as const, delimiter: ',', sheet: undefined };

describe('decodeText', () => {
  const text = '部门,名称\r\n省医保局,医保\r\n';
  it('detects UTF-8, a BOM and GB18030, and says how', () => {
    expect(decodeText(Buffer.from(text), 'auto')).toEqual({ text, encoding: { name: 'utf-8', how: 'detected' } });
    expect(decodeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), 'gb18030')).toEqual({ text, encoding: { name: 'utf-8', how: 'bom' } });
    expect(decodeText(iconv.encode(text, 'gb18030'), 'auto')).toEqual({ text, encoding: { name: 'gb18030', how: 'detected' } });
  });

  it('refuses bytes that are not the declared encoding instead of garbling names', () => {
    expect(() => decodeText(iconv.encode(text, 'gb18030'), 'utf-8')).toThrow(expect.objectContaining({ code: 'SOURCE_FILE_UNREADABLE' }));
    expect(() => decodeText(Buffer.from(text), 'gb18030')).toThrow(/declared gb18030 but its bytes are UTF-8/);
    expect(() => decodeText(Buffer.from([0x41, 0x81, 0x20, 0x42]), 'gb18030')).toThrow(/not valid GB18030/);
  });
});

describe('readTable', () => {
  it('splits quoted CSV and reports a row with the wrong number of fields as a row problem', async () => {
    const t = await readTable(Buffer.from('a,b\n1,"x, ""y"""\n1,2,3\n'), 'csv', settings);
    expect(t.rows).toEqual([
      { row: 1, fields: { a: '1', b: 'x, "y"' } },
      { row: 2, problem: 'row 2 has 3 fields, the header has 2' },
    ]);
  });

  it('reads JSONL objects and reports a line that is not one', async () => {
    const t = await readTable(Buffer.from('{"a":"1"}\n\nnot json\n[1]\n'), 'jsonl', settings);
    expect(t.rows).toEqual([{ row: 1, fields: { a: '1' } }, { row: 3, problem: 'line 3 is not JSON' }, { row: 4, problem: 'line 4 is not a JSON object' }]);
  });
});
