/**
 * The alert rules fire when they should and stay quiet when they should: `promtool test rules` runs
 * infra/prometheus/alerts.test.yml (a stalled worker, growing lag, dead letters, a department that
 * stopped sending, missed / failed / provisional snapshots, a worker not ready, an unexpected member, failing store checkpoints).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../fixtures/test-broker-state.js';

describe('alert rules', () => {
  it('pass their promtool unit tests', () => {
    const which = spawnSync('which', ['promtool'], { encoding: 'utf8' });
    if (which.status !== 0) throw new Error('promtool is not installed: run scripts/setup.sh as root (apt-get install prometheus) to test the alert rules');
    const r = spawnSync(which.stdout.trim(), ['test', 'rules', 'alerts.test.yml'], { cwd: path.join(PROJECT_ROOT, 'infra', 'prometheus'), encoding: 'utf8' });
    expect({ status: r.status, out: r.status === 0 ? '' : r.stdout + r.stderr }).toEqual({ status: 0, out: '' });
  });
});
