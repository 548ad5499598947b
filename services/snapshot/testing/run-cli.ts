/**
 * Runs `casepipe` as a user does (`node bin/casepipe.js ...`, a child process). `runCasepipe` takes the
 * environment to add (a variable set to undefined is removed); `casepipe` runs on a data dir with no
 * broker configured, for the snapshot commands, which need none.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCasepipe(env: Record<string, string | undefined>, args: string[], stdin?: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent', ...env };
    for (const [name, value] of Object.entries(env)) if (value === undefined) delete childEnv[name];
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/casepipe.js'), ...args], { cwd: ROOT, env: childEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (stdin !== undefined) child.stdin.end(stdin);
  });
}

export function casepipe(dataDir: string, ...args: string[]): Promise<CliRun> {
  return runCasepipe({ CASEPIPE_DATA_DIR: dataDir, KAFKA_BROKERS: undefined }, args);
}
