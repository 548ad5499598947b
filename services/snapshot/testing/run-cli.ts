/**
 * Runs `casepipe` as a user does (`node bin/casepipe.js ...`, a child process) on a data dir, with no
 * broker configured: for the snapshot commands, which need none.
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

export function casepipe(dataDir: string, ...args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, CASEPIPE_DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    delete env.KAFKA_BROKERS;
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/casepipe.js'), ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
