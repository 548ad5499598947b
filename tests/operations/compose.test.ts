/**
 * docker-compose.yml as far as a machine without a Docker engine can check it: Debian's docker-compose
 * validates and resolves it (`docker-compose config` needs no engine), and the resolved file is checked
 * for what makes it run — the worker built from ./Dockerfile listening on the container's interface with
 * a token, Kafka's data in a volume, the checkout mounted read-only only — and promtool checks the
 * Prometheus files laid out exactly as the compose file mounts them (config, alert rules, scrape target).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PROJECT_ROOT } from '../fixtures/test-broker-state.js';

function requireBinary(name: string, pkg: string): string {
  const r = spawnSync('which', [name], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${name} is not installed: run scripts/setup.sh as root (apt-get install ${pkg}) to check docker-compose.yml`);
  return r.stdout.trim();
}

interface Service {
  build?: { context: string; dockerfile: string };
  image?: string;
  command?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
  ports?: string[];
}

function composeConfig(env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const bin = requireBinary('docker-compose', 'docker-compose');
  const childEnv: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir(), ...env };
  return spawnSync(bin, ['-f', 'docker-compose.yml', 'config'], { cwd: PROJECT_ROOT, env: childEnv, encoding: 'utf8' });
}

describe('docker-compose.yml', () => {
  it('refuses to resolve without the admin token', () => {
    const r = composeConfig({});
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('set CASEPIPE_ADMIN_TOKEN');
  });

  it('resolves to services that can run, writing nothing into the checkout', () => {
    const r = composeConfig({ CASEPIPE_ADMIN_TOKEN: 'compose-test-token' });
    expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ status: 0, stderr: '' });
    const config = parseYaml(r.stdout) as { services: Record<string, Service>; volumes: Record<string, unknown> };
    const { services } = config;

    for (const name of ['worker', 'topics']) {
      expect(services[name].build).toEqual({ context: PROJECT_ROOT, dockerfile: 'Dockerfile' });
    }
    expect(fs.existsSync(path.join(PROJECT_ROOT, 'Dockerfile'))).toBe(true);
    const worker = services.worker;
    expect(worker.environment).toMatchObject({ CASEPIPE_WORKER_HOST: '0.0.0.0', CASEPIPE_ADMIN_TOKEN: 'compose-test-token', CASEPIPE_WORKER_PORT: '9464', KAFKA_BROKERS: 'kafka:29092' });
    expect(worker.ports).toEqual(['127.0.0.1:9464:9464/tcp']);
    expect(worker.volumes).toEqual(['casepipe-data:/data:rw']);

    const kafkaDataDir = String(services.kafka.environment!.KAFKA_LOG_DIRS);
    expect(services.kafka.volumes).toEqual([`kafka-data:${kafkaDataDir}:rw`]);
    expect(Object.keys(config.volumes).sort()).toEqual(['casepipe-data', 'grafana-data', 'kafka-data', 'prometheus-data']);

    // The checkout is only ever read: every bind mount from it is read-only, and no command installs into it.
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        if (v.startsWith('/')) expect({ service: name, volume: v, readOnly: v.endsWith(':ro') }).toEqual({ service: name, volume: v, readOnly: true });
      }
      expect({ service: name, command: (s.command ?? []).join(' ') }).not.toEqual({ service: name, command: expect.stringMatching(/npm (ci|install)/) });
    }
  });

  it('gives Prometheus a config and alert rules that promtool accepts where they are mounted', () => {
    const promtool = requireBinary('promtool', 'prometheus');
    const r = composeConfig({ CASEPIPE_ADMIN_TOKEN: 'compose-test-token' });
    const { services } = parseYaml(r.stdout) as { services: Record<string, Service> };
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-prometheus-layout-'));
    try {
      for (const v of services.prometheus.volumes ?? []) {
        const [source, target] = v.split(':');
        if (!source.startsWith('/')) continue; // a named volume
        fs.mkdirSync(path.dirname(path.join(root, target)), { recursive: true });
        fs.cpSync(source, path.join(root, target), { recursive: true });
      }
      const config = path.join(root, 'etc', 'prometheus', 'prometheus.yml');
      const check = spawnSync(promtool, ['check', 'config', config], { encoding: 'utf8' });
      expect({ status: check.status, out: check.status === 0 ? '' : check.stdout + check.stderr }).toEqual({ status: 0, out: '' });
      expect(check.stdout).toMatch(/SUCCESS: \d+ rules found/); // the rules file was found and read
      const scraped = parseYaml(fs.readFileSync(config, 'utf8')) as { scrape_configs: { static_configs: { targets: string[] }[] }[] };
      expect(scraped.scrape_configs[0].static_configs[0].targets).toEqual([`worker:${services.worker.environment!.CASEPIPE_WORKER_PORT}`]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
