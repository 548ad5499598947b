import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { silentLogger } from '../platform/logger.js';
import { createOperatorMetrics } from './operator-metrics.js';
import { DEFAULT_CADENCE_MS, DepartmentActivity, parseCadence, readDeclaredDepartments } from './department-health.js';

describe('department health', () => {
  it('reads cadences written as ISO durations, short units, words or seconds', () => {
    expect(parseCadence('PT15M')).toBe(15 * 60_000);
    expect(parseCadence('P1D')).toBe(86_400_000);
    expect(parseCadence('P1DT12H')).toBe(36 * 3600_000);
    expect(parseCadence('90m')).toBe(90 * 60_000);
    expect(parseCadence('daily')).toBe(86_400_000);
    expect(parseCadence(30)).toBe(30_000);
    expect(parseCadence('soon')).toBeUndefined();
    expect(parseCadence('PT')).toBeUndefined();
  });

  it('reads the declared departments and tolerates a missing folder', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-depts-'));
    try {
      fs.writeFileSync(path.join(dir, 'JTT.yaml'), 'code: JTT\nname: 交通运输厅\ncadence: PT1H\nconnector:\n  type: sql\n');
      fs.writeFileSync(path.join(dir, 'MZT.yml'), 'department:\n  code: MZT\n  name: 民政厅\n');
      expect(readDeclaredDepartments(dir, silentLogger())).toEqual([
        { code: 'JTT', name: '交通运输厅', cadenceMs: 3600_000 },
        { code: 'MZT', name: '民政厅', cadenceMs: DEFAULT_CADENCE_MS },
      ]);
      expect(readDeclaredDepartments(path.join(dir, 'absent'), silentLogger())).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('marks a department stale once nothing arrived for longer than its cadence', async () => {
    const registry = new Registry();
    const activity = new DepartmentActivity([{ code: 'JTT', name: '交通运输厅', cadenceMs: 60_000 }, { code: 'NEW', name: '新部门', cadenceMs: 60_000 }], createOperatorMetrics(registry));
    activity.saw('JTT', '交通运输厅', 1_000_000);
    activity.saw('SEEN', '只在库里', 1_000_000);
    const at = (ms: number) => Object.fromEntries(activity.health(ms).map((d) => [d.code, d.stale]));
    expect(at(1_050_000)).toEqual({ JTT: false, NEW: true, SEEN: false });
    expect(at(1_061_000)).toEqual({ JTT: true, NEW: true, SEEN: false });
    const text = await registry.metrics();
    expect(text).toContain('casepipe_department_stale{department="JTT"} 1');
    expect(text).toContain('casepipe_department_cadence_seconds{department="SEEN"} 86400');
    expect(text).toContain('casepipe_department_last_event_timestamp_seconds{department="JTT"} 1000');
  });
});
