/**
 * The personal-data policy of a department (PIPL art. 6, minimum scope): personal columns are dropped
 * at the connector; an identifier that must survive (for deduplication or joining) is replaced by an
 * HMAC-SHA256 keyed with a secret that never leaves the connector's configuration. Only mapped columns
 * ever reach an event, so an undeclared column cannot leak either; declaring the personal ones also
 * masks them in dead letters and forbids mapping them in clear.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { opaqueId } from '../contract/opaque-id.js';
import { findPersonalData, maskPersonalData, PERSONAL_DATA_LABELS } from '../contract/personal-data.js';
import { secretRefSpec } from './secrets.js';

export const personalDataSpec = z
  .object({
    drop: z.array(z.string().min(1)).default([]).describe('source columns holding personal data, never read into an event (names, 身份证号, mobiles, addresses)').meta({ examples: [['申请人姓名', '联系电话', '联系地址']] }),
    hmac: z
      .array(z.string().min(1))
      .default([])
      .describe('personal columns that identify something that must survive; mapped, they give HMAC-SHA256 hex of the value instead of the value')
      .meta({ examples: [['身份证号']] }),
    hmacKey: secretRefSpec.optional().describe('the HMAC key (required when hmac lists a column)'),
  })
  .strict()
  .refine((p) => p.hmac.length === 0 || p.hmacKey !== undefined, { message: 'hmacKey is required when hmac lists columns', path: ['hmacKey'] })
  .describe('what the source holds that is personal, and what happens to it');
export type PersonalDataPolicy = z.infer<typeof personalDataSpec>;

export function hmacIdentifier(key: string, value: string): string {
  return opaqueId(createHmac('sha256', key).update(value, 'utf8').digest());
}

const ID_NUMBER_RE = /\d{17}[\dXx]|\d{15}/g;
const MOBILE_RE = /(?<!\d)1[3-9]\d{9}(?!\d)/g;

/**
 * A value as it may appear in a dead letter: personal data in any writing the contract recognises
 * masked, and beyond that every 身份证号-like or mobile-like digit run, valid or not.
 */
export function maskPatterns(value: string): string {
  return maskPersonalData(value).replace(ID_NUMBER_RE, (m) => '*'.repeat(m.length)).replace(MOBILE_RE, (m) => '*'.repeat(m.length));
}

/** What personal data a mapped value holds anywhere in it (a 身份证号 or a mobile number, any writing), named for people, or null. */
export function looksPersonal(value: string): string | null {
  const kind = findPersonalData(value);
  return kind && PERSONAL_DATA_LABELS[kind];
}
