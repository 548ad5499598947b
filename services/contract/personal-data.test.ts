import { describe, expect, it } from '@jest/globals';
import {
  creditCodeConcern,
  findCreditCodes,
  findPersonalData,
  findPersonalDataFullScan,
  forEachPersonalData,
  isCreditCode,
  maskPersonalData,
} from './personal-data.js';

/** Full-width digits, X and dash, as an IME writes them. */
const fullWidth = (s: string): string =>
  s.replace(/[0-9X-]/g, (c) => (c === '-' ? '－' : c === 'X' ? 'Ｘ' : String.fromCharCode(0xff10 + Number(c))));

describe('findPersonalData: mobile numbers', () => {
  it.each([
    '13812345678',
    '138-1234-5678',
    '138 1234 5678',
    '138 - 1234 - 5678',
    '138 12345678',
    '1381234 5678',
    '+8613812345678',
    '8613812345678',
    '+86 138 1234 5678',
    '+86-138-1234-5678',
    '(+86)13812345678',
    '（+86）138-1234-5678',
    '0086 13812345678',
    '008613812345678',
    '0086-138-1234-5678',
    fullWidth('13812345678'),
    fullWidth('138-1234-5678'),
    '１３８\u3000１２３４\u3000５６７８',
    '联系电话:13812345678',
    '申请人张三13812345678已受理',
    'tel:199 8765 4321.',
    '2025-08-31 13812345678',
    'SQ-20250831-13912345678',
    'mobile13812345678x',
  ])('finds %s', (text) => {
    expect(findPersonalData(text)).toBe('mobile-number');
  });
});

describe('findPersonalData: 身份证号', () => {
  it.each([
    '11010519491231002X',
    '11010519491231002x',
    '440524188001010014', // the standard's own example
    '320106199003071234',
    fullWidth('11010519491231002X'),
    '身份证号510107198705120341,已核验',
    'ID:320106199003071234.',
    '110105 19491231 002X',
    '110105491231002', // the 15-digit form
    '旧证110105491231002号',
  ])('finds %s', (text) => {
    expect(findPersonalData(text)).toBe('id-number');
  });
});

describe('findPersonalData: what is not personal data', () => {
  it.each([
    ['an item code (实施编码) with an 18-digit run', '511A0138000000-511602000000-000-115113010833722043-1-00'],
    ['a government body’s 统一社会信用代码 (starts 11)', '115113010833722043'],
    ['a government credit code with letters', '11510000MB1542613B'],
    ['a government credit code, digits only', '111000000000131433'],
    ['a case number with a date', 'SC20250831000123'],
    ['a 20-digit case number', '20250831123456789012'],
    ['an 18-digit case number starting with the year', '202508310000001234'],
    ['area code + date + sequence whose last digit is not the check', '511602202508310001'],
    ['an 18-digit run with an impossible date', '110105194902300021'],
    ['an 18-digit run with the wrong check character', '110105194912310021'],
    ['an ID-shaped run inside a longer one', '1101051949123100211'],
    ['a 15-digit run with an impossible date', '110105491331002'],
    ['a 15-digit run with no province', '202508310001234'],
    ['12 digits', '139123456789'],
    ['11 digits starting 12', '12912345678'],
    ['a landline', '028-8765-4321'],
    ['a landline with area code', '0816-1234567'],
    ['a hotline', '400-820-8820'],
    ['a time', '2025-08-31 16:30:00'],
    ['a date in Chinese', '2025年08月31日 13时'],
    ['an amount', '1,380,123,456.00元'],
    ['a sha1 event id', '3f786850e387550fdab836ed7e6dc881de23001b'],
    ['a mobile prefix split into short groups', '13-81-23-45-678'],
    ['digits joined by dots', '138.1234.5678'],
    ['a department', '交通运输厅'],
    ['nothing', ''],
  ])('passes %s', (_what, text) => {
    expect(findPersonalData(text)).toBeNull();
  });
});

describe('findPersonalData: the one-pass shortcut', () => {
  it('answers as the full scan on random texts of digit runs, separators, X and letters', () => {
    // Whole numbers that match, and pieces that make runs of every length around the matching ones.
    const pieces = ['13812345678', '11010519491231002', 'X', '440524188001010014', '110105491231002', '86', '0086', '+',
      '1', '38', '1234', '5678', '0', '99', '12345', '１３８', '５', ' ', '-', '－', '\u3000', '\u00a0', '  ', ' - ', 'a', 'SC', '号', ':', '/'];
    let seed = 42;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    let found = 0;
    let shortcut = 0;
    for (let n = 0; n < 20_000; n++) {
      let text = '';
      for (let k = 1 + Math.floor(random() * 8); k > 0; k--) text += pieces[Math.floor(random() * pieces.length)];
      const full = findPersonalDataFullScan(text);
      expect([text, findPersonalData(text)]).toEqual([text, full]);
      if (full) found++;
      if (!/[\s\-－\u3000\u00a0]/.test(text) && text.replace(/[^0-9０-９]/g, '').length >= 11) shortcut++;
    }
    // Both sides are exercised: texts that match, and texts the shortcut answers alone.
    expect(found).toBeGreaterThan(1000);
    expect(shortcut).toBeGreaterThan(1000);
  });

  it('takes the shortcut on the ids the worker scans most and still finds a number inside them', () => {
    expect(findPersonalData('SC202508010000001234')).toBeNull();
    expect(findPersonalData('SC20250801000000123-R0')).toBeNull();
    expect(findPersonalData('SC2025080113812345678')).toBeNull(); // 21 digits in one run: not a number
    // Runs of a matching length whose first digits cannot start one: a year is not a province code.
    expect(findPersonalData('SC202501000000123')).toBeNull();
    expect(findPersonalData('A12345678901B')).toBeNull();
    expect(findPersonalData('ZX2025010000000001')).toBeNull();
    // The same lengths with the right first digits still reach the full scan.
    expect(findPersonalData('SC440524188001010014')).toBe('id-number');
    expect(findPersonalData('A13812345678B')).toBe('mobile-number');
    expect(findPersonalData('tel8613812345678')).toBe('mobile-number');
    expect(findPersonalData('no.008613812345678')).toBe('mobile-number');
    expect(findPersonalData('SC20250801/13812345678')).toBe('mobile-number');
  });
});

describe('maskPersonalData', () => {
  it('stars the digits of every match and keeps everything else', () => {
    expect(maskPersonalData('张三 138-1234-5678, 11010519491231002X; SC20250831000123')).toBe(
      '张三 ***-****-****, ******************; SC20250831000123',
    );
  });
  it('keeps the UTF-8 length of full-width digits', () => {
    const text = `电话${fullWidth('13812345678')}`;
    const masked = maskPersonalData(text);
    expect(masked).toBe('电话＊＊＊＊＊＊＊＊＊＊＊');
    expect(Buffer.byteLength(masked)).toBe(Buffer.byteLength(text));
  });
  it('returns the text itself when nothing matched', () => {
    const text = '511A0138000000-511602000000-000-115113010833722043-1-00';
    expect(maskPersonalData(text)).toBe(text);
  });
  it('reports every match with its span', () => {
    const spans: string[] = [];
    const text = 'a 13812345678 b 110105491231002 c';
    expect(forEachPersonalData(text, (kind, s, e) => spans.push(`${kind}:${text.slice(s, e)}`))).toBe(true);
    expect(spans).toEqual(['mobile-number:13812345678', 'id-number:110105491231002']);
  });
  it('handles text with many digit groups', () => {
    const text = `${'1 '.repeat(500)}13812345678`;
    expect(findPersonalData(text)).toBe('mobile-number');
  });
});

describe('统一社会信用代码 (GB 32100)', () => {
  const company = '91350100M000100Y43'; // the standard's worked example
  it('accepts a code with the right check character and refuses a wrong one', () => {
    expect(isCreditCode(company)).toBe(true);
    expect(isCreditCode('91350100M000100Y44')).toBe(false);
    expect(isCreditCode('91350100M000100Y4I')).toBe(false); // I is not in the character set
    expect(findCreditCodes(`申请单位${company}。`)).toEqual([{ code: company, start: 4, end: 22, government: false, individualBusiness: false }]);
    expect(findCreditCodes('X91350100M000100Y43')).toEqual([]); // part of a longer run
  });

  it('is no concern for a government body (11…) or a field that is exactly a company code; is for a 个体工商户 or a code in free text', () => {
    expect(isCreditCode('11100000000013127D')).toBe(true);
    expect(creditCodeConcern('备注 11100000000013127D')).toBeNull();
    expect(creditCodeConcern(company)).toBeNull();
    expect(creditCodeConcern(`申请单位 ${company}`)).toMatch(/free text/);
    expect(creditCodeConcern('92510107MA6CXXXXX6')).toMatch(/个体工商户/);
    expect(creditCodeConcern('92510107MA6CXXXXX7')).toBeNull(); // wrong check character: not a code
  });

  it('is not what the contract check refuses (a company is not a person)', () => {
    expect(findPersonalData(company)).toBeNull();
  });
});
