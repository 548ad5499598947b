/**
 * The published issue's fixed parts, kept by the centre's staff in `pipelines/monthly-issue.json`:
 * the title, the issuing centre, how issues are numbered and the 报/发 distribution footer.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { CasepipeError } from '../platform/errors.js';

const Settings = z.object({
  title: z.string().min(1),
  issuer: z.string().min(1),
  /** yearly: 第1期 each January, then on from the previous issue; continuous: on from the previous issue across years. */
  numbering: z.enum(['yearly', 'continuous']),
  /** The number of the first issue casepipe makes when it finds no earlier one. */
  firstNumber: z.number().int().min(1),
  distribution: z.object({ 报: z.string(), 发: z.string() }),
});

export type IssueSettings = z.infer<typeof Settings>;

export const DEFAULT_SETTINGS_FILE = new URL('../../pipelines/monthly-issue.json', import.meta.url).pathname;

export function loadIssueSettings(file = DEFAULT_SETTINGS_FILE): IssueSettings {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CasepipeError('ISSUE_SETTINGS_INVALID', `cannot read the issue settings ${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const parsed = Settings.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
    throw new CasepipeError('ISSUE_SETTINGS_INVALID', `${file}: ${problems}`);
  }
  return parsed.data;
}
