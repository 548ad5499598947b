import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { createConnectorMetrics, createOperatorMetrics, OPERATOR_METRIC } from './operator-metrics.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('operator metrics', () => {
  it('registers every declared name once, for the worker and for connectors', async () => {
    const registry = new Registry();
    createOperatorMetrics(registry);
    createConnectorMetrics(registry);
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name).sort();
    expect(names).toEqual(Object.values(OPERATOR_METRIC).sort());
  });

  it('are all on the Grafana dashboard', () => {
    const dashboard = JSON.parse(fs.readFileSync(path.join(ROOT, 'infra', 'grafana', 'dashboards', 'casepipe.json'), 'utf8')) as { panels: { targets: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
    expect(Object.values(OPERATOR_METRIC).filter((name) => !exprs.includes(name))).toEqual([]);
  });
});
