/**
 * `casepipe connector check`, as the integration engineer runs it: offline (KAFKA_BROKERS points at a
 * closed port), the real YBJ.yaml and a GB18030 sample with one unmappable row print the first mapped
 * events and the refusal as JSON and exit 2; a broken department file exits 1 naming the problem.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../fixtures/test-broker-state.js';
import { dropCsv, expectedEvent, HMAC_ENV, sourceRows } from './connector-fixtures.js';

const ybj = path.join(PROJECT_ROOT, 'pipelines', 'departments', 'YBJ.yaml');
const check = (args: string[]) =>
  spawnSync(process.execPath, [path.join(PROJECT_ROOT, 'bin', 'casepipe.js'), 'connector', 'check', ...args], {
    env: { ...process.env, ...HMAC_ENV, KAFKA_BROKERS: '127.0.0.1:1', LOG_LEVEL: 'warn' },
    encoding: 'utf8',
  });

describe('casepipe connector check', () => {
  it('prints the first mapped events and the refused rows of a sample, offline', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-check-'));
    try {
      const rows = sourceRows('C', 4);
      rows[2] = { ...rows[2], 送达方式: '7' }; // a 送达 row
      const sample = dropCsv(dir, 'sample.csv', rows, 'gb18030');
      const out = check([ybj, '--sample', sample, '--max', '3']);
      expect(out.status).toBe(2);
      const report = JSON.parse(out.stdout);
      expect(report.department).toMatchObject({ code: 'YBJ', name: '省医保局', type: 'file-drop' });
      expect(report.sample).toEqual({ file: sample, records: 4, mapped: 3, refused: { MAP_UNKNOWN_VALUE: 1 } });
      const want = expectedEvent(rows[0]);
      expect(report.first[0]).toEqual({ location: 'sample.csv row 1', event: { ...want, eventTime: new Date(want.eventTime).toISOString() } });
      expect(report.first[2]).toEqual({
        location: 'sample.csv row 3',
        refused: { stage: 'map', code: 'MAP_UNKNOWN_VALUE', message: 'sample.csv row 3: deliveryMethod: column "送达方式" has "7", not one of "1", "2", "3", "9"' },
      });
      expect(out.stdout).not.toContain(rows[0].身份证号);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 naming what is wrong in a broken department file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-check-'));
    try {
      const file = path.join(dir, 'YBJ.yaml');
      fs.writeFileSync(file, fs.readFileSync(ybj, 'utf8').replace("送达: DELIVERED", '送达: SENT'));
      const out = check([file]);
      expect(out.status).toBe(1);
      expect(out.stderr).toContain('casepipe: DEPARTMENT_FILE_INVALID:');
      expect(out.stderr).toContain('kind: "SENT" is not one of RECEIVED, COMPLETED, DELIVERED, CONSULTED');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
