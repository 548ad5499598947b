/**
 * Personal data embedded in text: 身份证号 (GB 11643: the 18-character form with a real birth date and
 * the right check character, and the older 15-digit form with a real birth date) and mainland mobile
 * numbers as people write them (13812345678, 138-1234-5678, 138 1234 5678, +86 or 0086 in front,
 * full-width digits, inside other text).
 *
 * What counts as a number: digits (ASCII or full-width) in groups; groups joined by one to three
 * spaces or dashes belong to one written number. A mobile number is 11 digits `1[3-9]…` that fill one
 * group (or one group with 86/0086 in front), or three or fewer groups of at least 3 digits. An ID
 * number fills one group (17 digits and an X also count), or groups joined by spaces only. A longer
 * or shorter digit run is not personal data: item codes (实施编码) and case numbers have long runs, and
 * an 18-digit run is an ID only when its province, birth date and check character all fit.
 *
 * The worker runs this on every text field of every event: a string shorter than 11 units costs a
 * length test; one that cannot hold a match (fewer than 11 digits, or no separator and no digit run of
 * a length and first digits that match) costs one pass over its characters; nothing is allocated
 * unless a match is reported.
 */

export type PersonalDataKind = 'id-number' | 'mobile-number';

/** How a reason message names the kind (never the value). */
export const PERSONAL_DATA_LABELS: Record<PersonalDataKind, string> = {
  'id-number': '身份证号 (ID number)',
  'mobile-number': '手机号 (mobile number)',
};

/** Called for each match with its UTF-16 span in the scanned text. */
export type MatchHandler = (kind: PersonalDataKind, start: number, end: number) => void;

const MIN_DIGITS = 11;
const MAX_SEPARATOR_RUN = 3;
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/** Check value by weighted sum mod 11; 10 stands for X. */
const ID_CHECK = [1, 0, 10, 9, 8, 7, 6, 5, 4, 3, 2];
/** First two digits of a GB 11643 number: provinces, Hong Kong, Macao, Taiwan. */
/** A lookup table indexed by the two digits (a Set's has() showed in the worker's profile). */
const PROVINCES = new Uint8Array(100);
for (const p of [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83]) PROVINCES[p] = 1;

// Scratch space reused across calls (the scan is synchronous): every digit of the text in order, and
// per group its first digit's index in `digits`, its span in the text, how it is joined to the group
// before it (0: not joined, 1: by spaces, 2: by a run with a dash) and whether an X follows it.
let digits = new Uint8Array(256);
let groupDigit = new Int32Array(64);
let groupStart = new Int32Array(64);
let groupEnd = new Int32Array(64);
let groupJoin = new Uint8Array(64);
let groupX = new Uint8Array(64);

/**
 * Per UTF-16 unit: its digit value (ASCII or full-width ０-９), else -1; and its separator kind (1: a
 * space, 2: a dash, 0: anything else). Lookup tables (192 KiB) instead of range tests: the scan reads
 * every character of every text field of every event, and a table read is one load where the tests
 * were up to ten comparisons for a letter or a Chinese character.
 */
const DIGIT = new Int8Array(0x10000).fill(-1);
const SEPARATOR = new Uint8Array(0x10000);
for (let d = 0; d < 10; d++) {
  DIGIT[48 + d] = d;
  DIGIT[0xff10 + d] = d;
}
for (const c of [32, 9, 0xa0, 0x3000]) SEPARATOR[c] = 1;
for (const c of [45, 0xff0d, 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2212]) SEPARATOR[c] = 2;

function digitOf(c: number): number {
  return DIGIT[c];
}

function isCheckX(c: number): boolean {
  return c === 88 || c === 120 || c === 0xff38 || c === 0xff58; // X x Ｘ ｘ
}

/** 1: a space, 2: a dash, 0: anything else. */
function separatorOf(c: number): number {
  return SEPARATOR[c];
}

/** The first kind of personal data in `text`, or null. */
export function findPersonalData(text: string): PersonalDataKind | null {
  return scan(text, undefined);
}

/** Every match in `text`, in order of where the written number starts. Returns whether any matched. */
export function forEachPersonalData(text: string, onMatch: MatchHandler): boolean {
  return scan(text, onMatch) !== null;
}

/**
 * `text` with the digits and check characters of every match replaced by `*` (`＊` for full-width
 * ones, so the UTF-8 length stays the same). Returns `text` itself when nothing matched.
 */
export function maskPersonalData(text: string): string {
  let spans: number[] | undefined;
  forEachPersonalData(text, (_kind, start, end) => (spans ??= []).push(start, end));
  if (!spans) return text;
  const chars = text.split('');
  for (let s = 0; s < spans.length; s += 2) {
    for (let i = spans[s]; i < spans[s + 1]; i++) {
      const c = text.charCodeAt(i);
      if (digitOf(c) >= 0 || isCheckX(c)) chars[i] = c >= 0xff00 ? '＊' : '*';
    }
  }
  return chars.join('');
}

/** The scan without the shortcut of `couldHold` (tests compare the two). */
export function findPersonalDataFullScan(text: string): PersonalDataKind | null {
  return fullScan(text, undefined);
}

function scan(text: string, onMatch: MatchHandler | undefined): PersonalDataKind | null {
  // Fewer units than MIN_DIGITS cannot hold that many digits (kinds, channels, most codes and names).
  return text.length >= MIN_DIGITS && couldHold(text) ? fullScan(text, onMatch) : null;
}

/** Digit-run lengths a single unjoined group can match with: mobile (+86, +0086), ID (17 and an X, 18). */
const MATCHING_RUN = new Uint8Array(19);
for (const n of [11, 13, 15, 17, 18]) MATCHING_RUN[n] = 1;

/**
 * One pass that says whether the full scan can find anything: at least MIN_DIGITS digits, and a
 * separator (groups can join into one written number) or a digit run that a single group matches
 * with: of such a length, starting as that number must (1[3-9], 86 1[3-9], 0086 1[3-9], a province
 * code). Case ids, event ids and record ids are mostly one long run of 19+ digits, several short ones
 * with letters between, or a run that starts with a year (20…, not a province), and take only this
 * pass (the worker scans every text of every event).
 */
function couldHold(text: string): boolean {
  const length = text.length;
  let count = 0;
  let run = 0;
  let possible = false;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (DIGIT[c] >= 0) {
      count++;
      run++;
      continue;
    }
    // Too few characters left to reach MIN_DIGITS (enum values, names, short ids end here).
    if (count + length - i - 1 < MIN_DIGITS) return false;
    if (run > 0 && run < 19 && MATCHING_RUN[run] === 1 && runCouldMatch(text, i - run, run)) possible = true;
    run = 0;
    if (SEPARATOR[c] !== 0) possible = true;
  }
  if (run > 0 && run < 19 && MATCHING_RUN[run] === 1 && runCouldMatch(text, length - run, run)) possible = true;
  return possible && count >= MIN_DIGITS;
}

/** Whether a lone run of `run` digits at `start` begins as evaluateNumber's single-group matches of that length must. */
function runCouldMatch(text: string, start: number, run: number): boolean {
  const d0 = DIGIT[text.charCodeAt(start)];
  const d1 = DIGIT[text.charCodeAt(start + 1)];
  const province = PROVINCES[d0 * 10 + d1] === 1 || (d0 === 9 && PROVINCES[d1 * 10 + DIGIT[text.charCodeAt(start + 2)]] === 1);
  switch (run) {
    case 11:
      return d0 === 1 && d1 >= 3;
    case 13:
      return d0 === 8 && d1 === 6 && DIGIT[text.charCodeAt(start + 2)] === 1 && DIGIT[text.charCodeAt(start + 3)] >= 3;
    case 15:
      return province || (d0 === 0 && d1 === 0 && DIGIT[text.charCodeAt(start + 2)] === 8 && DIGIT[text.charCodeAt(start + 3)] === 6 &&
        DIGIT[text.charCodeAt(start + 4)] === 1 && DIGIT[text.charCodeAt(start + 5)] >= 3);
    default: // 17 (with an X after it) and 18: ID numbers
      return province;
  }
}

function fullScan(text: string, onMatch: MatchHandler | undefined): PersonalDataKind | null {
  const length = text.length;
  let count = 0;
  for (let i = 0; i < length && count < MIN_DIGITS; i++) if (digitOf(text.charCodeAt(i)) >= 0) count++;
  if (count < MIN_DIGITS) return null;
  if (digits.length < length) digits = new Uint8Array(length * 2);

  let found: PersonalDataKind | null = null;
  let nDigits = 0;
  let nGroups = 0;
  let numberFirst = 0; // first group of the written number being collected
  let join = 0; // how the next group joins the one before
  let i = 0;
  while (i < length) {
    const d = digitOf(text.charCodeAt(i));
    if (d < 0) {
      i++;
      join = 0;
      continue;
    }
    if (join === 0 && nGroups > numberFirst) {
      // The written number before this group is complete.
      if (nDigits - groupDigit[numberFirst] >= MIN_DIGITS) {
        found = evaluateNumber(numberFirst, nGroups, onMatch) ?? found;
        if (found && !onMatch) return found;
      }
      numberFirst = nGroups;
    }
    if (nGroups === groupStart.length) growGroups();
    const g = nGroups++;
    groupDigit[g] = nDigits;
    groupStart[g] = i;
    groupJoin[g] = join;
    while (i < length) {
      const e = digitOf(text.charCodeAt(i));
      if (e < 0) break;
      digits[nDigits++] = e;
      i++;
    }
    groupEnd[g] = i;
    groupX[g] = i < length && isCheckX(text.charCodeAt(i)) ? 1 : 0;
    // A short run of spaces and dashes followed by a digit joins the next group to this number.
    join = 0;
    let j = i;
    let kind = 0;
    while (j < length && j - i < MAX_SEPARATOR_RUN) {
      const s = separatorOf(text.charCodeAt(j));
      if (s === 0) break;
      if (s > kind) kind = s;
      j++;
    }
    if (j > i && j < length && digitOf(text.charCodeAt(j)) >= 0) {
      join = kind;
      i = j;
    }
  }
  if (nGroups > numberFirst && nDigits - groupDigit[numberFirst] >= MIN_DIGITS) {
    found = evaluateNumber(numberFirst, nGroups, onMatch) ?? found;
  }
  return found;
}

function growGroups(): void {
  const n = groupStart.length * 2;
  const digit = new Int32Array(n);
  const start = new Int32Array(n);
  const end = new Int32Array(n);
  const join = new Uint8Array(n);
  const x = new Uint8Array(n);
  digit.set(groupDigit);
  start.set(groupStart);
  end.set(groupEnd);
  join.set(groupJoin);
  x.set(groupX);
  [groupDigit, groupStart, groupEnd, groupJoin, groupX] = [digit, start, end, join, x];
}

/**
 * Looks at every run of consecutive groups [a..b] of one written number (groups [first, end)).
 * Without a handler it stops at the first match.
 */
function evaluateNumber(first: number, end: number, onMatch: MatchHandler | undefined): PersonalDataKind | null {
  let found: PersonalDataKind | null = null;
  for (let a = first; a < end; a++) {
    const off = groupDigit[a];
    let total = 0;
    let spacesOnly = true;
    let allLong = true;
    for (let b = a; b < end; b++) {
      if (b > a && groupJoin[b] !== 1) spacesOnly = false;
      const len = groupEnd[b] - groupStart[b];
      total += len;
      if (len < 3) allLong = false;
      if (total > 18) break;
      const single = a === b;
      let kind: PersonalDataKind | null = null;
      let stop = groupEnd[b];
      if (total === 11) {
        if ((single || (allLong && b - a < 3)) && isMobile(off)) kind = 'mobile-number';
      } else if (total === 13) {
        if (single && digits[off] === 8 && digits[off + 1] === 6 && isMobile(off + 2)) kind = 'mobile-number';
      } else if (total === 15) {
        if (single && digits[off] === 0 && digits[off + 1] === 0 && digits[off + 2] === 8 && digits[off + 3] === 6 && isMobile(off + 4)) kind = 'mobile-number';
        else if (single && isIdNumber15(off)) kind = 'id-number';
      } else if (total === 18) {
        if ((single || spacesOnly) && isIdNumber18(off, digits[off + 17])) kind = 'id-number';
      } else if (total === 17) {
        if ((single || spacesOnly) && groupX[b] === 1 && isIdNumber18(off, 10)) {
          kind = 'id-number';
          stop++;
        }
      }
      if (kind === null) continue;
      found ??= kind;
      if (!onMatch) return found;
      onMatch(kind, groupStart[a], stop);
    }
  }
  return found;
}

function isMobile(off: number): boolean {
  return digits[off] === 1 && digits[off + 1] >= 3;
}

function hasProvince(off: number): boolean {
  const p = digits[off] * 10 + digits[off + 1];
  // Foreigners' permanent residence cards (2023) put a 9 before the province code.
  return PROVINCES[p] === 1 || (digits[off] === 9 && PROVINCES[digits[off + 1] * 10 + digits[off + 2]] === 1);
}

function isIdNumber18(off: number, check: number): boolean {
  if (!hasProvince(off)) return false;
  const year = digits[off + 6] * 1000 + digits[off + 7] * 100 + digits[off + 8] * 10 + digits[off + 9];
  if (year < 1800 || year > 2099) return false;
  if (!isDate(year, digits[off + 10] * 10 + digits[off + 11], digits[off + 12] * 10 + digits[off + 13])) return false;
  let sum = 0;
  for (let k = 0; k < 17; k++) sum += digits[off + k] * ID_WEIGHTS[k];
  return ID_CHECK[sum % 11] === check;
}

function isIdNumber15(off: number): boolean {
  if (!hasProvince(off)) return false;
  return isDate(1900 + digits[off + 6] * 10 + digits[off + 7], digits[off + 8] * 10 + digits[off + 9], digits[off + 10] * 10 + digits[off + 11]);
}

function isDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return day <= days;
}

/**
 * 统一社会信用代码 (GB 32100-2015): 18 characters of 0-9A-HJ-NPQRTUWXY (no I, O, S, V, Z): registration
 * authority, organisation category, six digits of administrative division, nine of organisation code,
 * and a check character (weighted sum mod 31). A company's code is not a person's data, so the contract
 * check (validate.ts) does not refuse it; `casepipe connector test` flags the ones that may identify a
 * person (see creditCodeConcern). Codes starting `11` belong to government bodies (机构编制 / 机关).
 */
export interface CreditCodeMatch {
  code: string;
  start: number;
  end: number;
  /** `11…`: a government body's own code (机关), never personal data. */
  government: boolean;
  /** `92…`: 个体工商户, a business that is one natural person. */
  individualBusiness: boolean;
}

const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const USCC_RE = /(?<![0-9A-Za-z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Za-z])/g;

/** Whether `code` is an 18-character 统一社会信用代码 with the right check character. */
export function isCreditCode(code: string): boolean {
  if (code.length !== 18) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = USCC_CHARS.indexOf(code[i]);
    if (v < 0) return false;
    sum += v * USCC_WEIGHTS[i];
  }
  return USCC_CHARS[(31 - (sum % 31)) % 31] === code[17];
}

/** Every valid 统一社会信用代码 written in `text` (upper-case ASCII, not inside a longer run of letters and digits). */
export function findCreditCodes(text: string): CreditCodeMatch[] {
  if (text.length < 18) return [];
  const out: CreditCodeMatch[] = [];
  for (const m of text.matchAll(USCC_RE)) {
    if (!isCreditCode(m[0])) continue;
    out.push({ code: m[0], start: m.index, end: m.index + 18, government: m[0].startsWith('11'), individualBusiness: m[0].startsWith('92') });
  }
  return out;
}

/**
 * Why a credit code in an event field may be personal data, or null: a 个体工商户 code anywhere (it
 * names one person's business), and any other non-government code inside free text (a remark that
 * quotes a code may quote more); a field that is exactly one company's code (申请单位代码) is fine.
 */
export function creditCodeConcern(text: string): string | null {
  for (const m of findCreditCodes(text)) {
    if (m.government) continue;
    if (m.individualBusiness) return '统一社会信用代码 of a 个体工商户 (individual business: one person)';
    if (m.start > 0 || m.end < text.length) return '统一社会信用代码 inside free text';
  }
  return null;
}
