/**
 * Secrets are named in department files, never written there: an environment variable or a file
 * (e.g. a mounted Kubernetes/Docker secret). Resolved only when a connector starts.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { CasepipeError } from '../platform/errors.js';

export const secretRefSpec = z
  .union([
    z.object({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name').describe('environment variable holding the secret') }).strict(),
    z.object({ file: z.string().min(1).describe('file holding the secret (trailing newline ignored)') }).strict(),
  ])
  .describe('where a secret comes from: { env: NAME } or { file: /path }; never the secret itself')
  .meta({ examples: [{ env: 'CASEPIPE_YBJ_HMAC_KEY' }, { file: '/run/secrets/ybj-hmac-key' }] });
export type SecretRef = z.infer<typeof secretRefSpec>;

export function describeSecret(ref: SecretRef): string {
  return 'env' in ref ? `environment variable ${ref.env}` : `file ${ref.file}`;
}

export function readSecret(ref: SecretRef, env: NodeJS.ProcessEnv = process.env): string {
  let value: string | undefined;
  if ('env' in ref) value = env[ref.env];
  else {
    try {
      value = fs.readFileSync(ref.file, 'utf8').replace(/\r?\n$/, '');
    } catch (cause) {
      throw new CasepipeError('SECRET_MISSING', `secret file ${ref.file} cannot be read: ${(cause as Error).message}`, { cause });
    }
  }
  if (!value) throw new CasepipeError('SECRET_MISSING', `the secret in ${describeSecret(ref)} is not set or empty`);
  return value;
}
