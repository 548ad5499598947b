/**
 * The stationed departments (进驻部门) of the Sichuan provincial government service hall, as the demo
 * generator uses them: real names as the monthly report writes them, short codes, the name of their
 * case system, and a weight that skews how much of the hall's volume each one carries (market
 * regulation, transport, housing and public security are the big windows).
 *
 * Two entries are the hall itself: the comprehensive window (综合窗口, ZHCK, system
 * `comprehensive-window`) and the consultation desk (咨询服务台 with the 12345 hall line, ZXFW).
 */
export interface Department {
  code: string;
  name: string;
  /** The department's case system (CaseEvent.sourceSystem). */
  sourceSystem: string;
  /** Relative share of the hall's case volume. */
  weight: number;
  /** 统一社会信用代码 of the government body (starts `11`: not personal data). */
  creditCode: string;
}

export const COMPREHENSIVE_WINDOW_CODE = 'ZHCK';
export const COMPREHENSIVE_WINDOW_SYSTEM = 'comprehensive-window';
export const CONSULTATION_DESK_CODE = 'ZXFW';
export const PHONE_LINE_SYSTEM = '12345-hall-line';
export const HELP_DESK_SYSTEM = 'hall-help-desk';

// [code, name, weight]
const STATIONED: [string, string, number][] = [
  ['SCJGJ', '省市场监管局', 160],
  ['JTYST', '交通运输厅', 140],
  ['ZJT', '住房城乡建设厅', 110],
  ['GAT', '公安厅', 90],
  ['RST', '人力资源社会保障厅', 70],
  ['YJJ', '省药监局', 60],
  ['WJW', '省卫生健康委', 50],
  ['ZRZYT', '自然资源厅', 45],
  ['YJGLT', '应急管理厅', 40],
  ['JYT', '教育厅', 36],
  ['STHJT', '生态环境厅', 32],
  ['MZT', '民政厅', 28],
  ['SWJ', '省税务局', 26],
  ['YBJ', '省医保局', 24],
  ['NYNCT', '农业农村厅', 22],
  ['SLT', '水利厅', 20],
  ['SWT', '商务厅', 18],
  ['WHHLYT', '文化和旅游厅', 16],
  ['GDJ', '省广电局', 14],
  ['JXT', '经济和信息化厅', 13],
  ['FGW', '省发展改革委', 12],
  ['KJT', '科技厅', 11],
  ['LCJ', '省林草局', 10],
  ['NYJ', '省能源局', 9],
  ['SFT', '司法厅', 8],
  ['TXGLJ', '省通信管理局', 8],
  ['CZT', '财政厅', 7],
  ['TYJRT', '退役军人事务厅', 6],
  ['YZGLJ', '省邮政管理局', 6],
  ['XWCBJ', '省新闻出版局', 5],
  ['DYJ', '省电影局', 5],
  ['YCJ', '省烟草专卖局', 5],
  ['QXJ', '省气象局', 4],
  ['RFB', '省人防办', 4],
  ['LSJ', '省粮食和物资储备局', 4],
  ['JRB', '省委金融办', 3],
  ['TYJ', '省体育局', 3],
  ['MZZJW', '省民族宗教委', 2],
  ['TJJ', '省统计局', 2],
  ['DAG', '省档案馆', 1],
];

const CREDIT_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

/** GB 11714 organisation code check character. */
function orgCodeCheck(eight: string): string {
  const s = [...eight].reduce((acc, c, i) => acc + Number(c) * ORG_WEIGHTS[i], 0);
  const c = 11 - (s % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

/** A GB 32100 统一社会信用代码 for a provincial government body (机构编制 1, 机关 1, region 510000). */
export function governmentCreditCode(serial: number): string {
  const eight = String(7000000 + serial * 7919).padStart(8, '0').slice(-8);
  const body = `11510000${eight}${orgCodeCheck(eight)}`;
  const s = [...body].reduce((acc, c, i) => acc + CREDIT_CHARS.indexOf(c) * CREDIT_WEIGHTS[i], 0);
  const check = (31 - (s % 31)) % 31;
  return body + CREDIT_CHARS[check];
}

export const STATIONED_DEPARTMENTS: readonly Department[] = STATIONED.map(([code, name, weight], i) => ({
  code,
  name,
  sourceSystem: `${code.toLowerCase()}-approval`,
  weight,
  creditCode: governmentCreditCode(i + 1),
}));

export const COMPREHENSIVE_WINDOW: Department = {
  code: COMPREHENSIVE_WINDOW_CODE,
  name: '综合窗口',
  sourceSystem: COMPREHENSIVE_WINDOW_SYSTEM,
  weight: 0,
  creditCode: governmentCreditCode(90),
};

export const CONSULTATION_DESK: Department = {
  code: CONSULTATION_DESK_CODE,
  name: '咨询服务台',
  sourceSystem: HELP_DESK_SYSTEM,
  weight: 0,
  creditCode: governmentCreditCode(91),
};

/** Every department the generator may put on an event. */
export const ALL_DEPARTMENTS: readonly Department[] = [...STATIONED_DEPARTMENTS, COMPREHENSIVE_WINDOW, CONSULTATION_DESK];

export function departmentByCode(code: string): Department | undefined {
  return ALL_DEPARTMENTS.find((d) => d.code === code);
}
