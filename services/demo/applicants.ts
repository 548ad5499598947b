/**
 * The applicants behind the demo's raw records: the personal fields a department system holds
 * (申请人姓名, 身份证号 with a valid GB 11643 check character, 手机号, 地址), seeded and deterministic.
 * None of it may reach Kafka, the store or a snapshot; the demo's end-to-end test looks for every
 * value made here.
 */
import { mulberry32 } from './month-generator.js';

export interface Applicant {
  name: string;
  idNumber: string;
  mobile: string;
  address: string;
}

/** Every personal value handed out, for the check that none of it got through. */
export interface PersonalValues {
  names: Set<string>;
  idNumbers: Set<string>;
  mobiles: Set<string>;
  addresses: Set<string>;
}

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程魏吕丁任沈姚卢姜崔钟谭陆汪范金廖贾夏韦付方邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃戴莫孔向汤';
// Given-name characters; none of them occurs in a department name or the report's wording, so a
// name found in the output can only have leaked.
const GIVEN = '涵浩宇梓萱欣怡俊杰雨桐嘉思远峰丽娟秀英志桂芳玉兰辉佳琪梦瑶雅婷诗诺博轩泽昊若曦语嫣晨海燕春梅红霞';
const DISTRICTS = ['锦江区', '青羊区', '金牛区', '武侯区', '成华区', '龙泉驿区', '新都区', '温江区', '双流区', '郫都区'];
const ROADS = ['人民南路', '蜀都大道', '天府大道', '红星路', '府青路', '抚琴西路', '玉林北路', '紫荆西路', '沙湾路', '光华大道'];
// Sichuan region codes (GB/T 2260) of the first six digits.
const REGIONS = ['510104', '510105', '510106', '510107', '510108', '510112', '510113', '510114', '510115', '510116', '510302', '510402', '510502', '510603', '510704', '510802', '510903', '511002', '511102', '511302', '511402', '511502', '511602', '511702', '511802', '511902', '512002', '513201', '513301', '513401'];

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** GB 11643: the check character of the first 17 digits. */
export function idCheckCharacter(first17: string): string {
  const sum = [...first17].reduce((s, c, i) => s + Number(c) * ID_WEIGHTS[i], 0);
  return ID_CHECK[sum % 11];
}

export class Applicants {
  private readonly rng: () => number;
  private readonly byCase = new Map<string, Applicant>();
  readonly values: PersonalValues = { names: new Set(), idNumbers: new Set(), mobiles: new Set(), addresses: new Set() };

  constructor(seed: number) {
    this.rng = mulberry32(seed ^ 0x5eed);
  }

  private pick<T>(items: ArrayLike<T>): T {
    return items[Math.floor(this.rng() * items.length)];
  }

  private digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(Math.floor(this.rng() * 10));
    return s;
  }

  /** A new person (a fresh one per call). */
  fresh(): Applicant {
    const birth = new Date(Date.UTC(1950, 0, 1) + Math.floor(this.rng() * 55 * 365.25) * 86_400_000);
    const first17 = `${this.pick(REGIONS)}${birth.toISOString().slice(0, 10).replace(/-/g, '')}${this.digits(3)}`;
    const a: Applicant = {
      name: this.pick(SURNAMES) + this.pick(GIVEN) + this.pick(GIVEN),
      idNumber: first17 + idCheckCharacter(first17),
      mobile: `1${this.pick('3456789')}${this.digits(9)}`,
      address: `四川省成都市${this.pick(DISTRICTS)}${this.pick(ROADS)}${1 + Math.floor(this.rng() * 300)}号${1 + Math.floor(this.rng() * 20)}栋${1 + Math.floor(this.rng() * 4)}单元${100 + Math.floor(this.rng() * 2400)}号`,
    };
    this.values.names.add(a.name);
    this.values.idNumbers.add(a.idNumber);
    this.values.mobiles.add(a.mobile);
    this.values.addresses.add(a.address);
    return a;
  }

  /** The applicant of a case (or the caller of a consultation): the same person on every record of it. */
  of(caseKey: string): Applicant {
    let a = this.byCase.get(caseKey);
    if (!a) {
      a = this.fresh();
      this.byCase.set(caseKey, a);
    }
    return a;
  }
}

/** Which applicant field a declared personal column holds, by its name (a name when nothing else fits). */
export function personalFieldOf(column: string): keyof Applicant {
  if (/身份证|证件|id.?(number|card|no)|sfz/i.test(column)) return 'idNumber';
  if (/电话|手机|mobile|phone|tel/i.test(column)) return 'mobile';
  if (/地址|住址|address|addr/i.test(column)) return 'address';
  return 'name';
}
