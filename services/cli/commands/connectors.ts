import type { Command } from 'commander';
import path from 'node:path';
import { caseEventToJson } from '../../contract/event-json.js';
import { CONNECTOR_STATE } from '../../connectors/connector-state.js';
import { connectorType } from '../../connectors/connector-types.js';
import { runConnectors } from '../../connectors/connector-runtime.js';
import { compileMapping, mappedColumns } from '../../connectors/record-mapping.js';
import { recordOutcome } from '../../connectors/record-outcome.js';
import { describeSecret, readSecret } from '../../connectors/secrets.js';
import { loadDepartmentFile } from '../../departments/department-file.js';
import { loadDepartmentRegistry, registryNames } from '../../departments/department-registry.js';
import { CasepipeError, isCasepipeError } from '../../platform/errors.js';
import type { CliContext } from '../context.js';
import { registerConnectorKitCommands } from './connector-kit.js';

export function registerConnectorCommands(program: Command, ctx: CliContext): void {
  program
    .command('connectors')
    .description('department connectors declared in pipelines/departments/')
    .command('run')
    .description('read the departments\' sources, map, drop personal data, publish case events (acks=all), then checkpoint; SIGTERM finishes the current batch')
    .option('--department <code...>', 'only these departments (default: every declared one)')
    .option('--once', 'read what is there now and exit (for cron and tests)')
    .action(async (opts: { department?: string[]; once?: boolean }) => {
      const registry = loadDepartmentRegistry(ctx.config.departmentsDir);
      const departments = opts.department ? registry.departments.filter((d) => opts.department!.includes(d.code)) : registry.departments;
      const unknown = (opts.department ?? []).filter((c) => !registry.names.has(c));
      if (unknown.length > 0) throw new CasepipeError('DEPARTMENT_FILE_INVALID', `not declared in ${ctx.config.departmentsDir}: ${unknown.join(', ')}`);
      if (departments.length === 0) throw new CasepipeError('DEPARTMENT_FILE_INVALID', `no department is declared in ${ctx.config.departmentsDir}`);
      const controller = new AbortController();
      const stop = (): void => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const summaries = await runConnectors({
          kafka: await ctx.kafka(),
          topics: { ...ctx.topics, connectorState: ctx.config.topicPrefix + CONNECTOR_STATE },
          departments,
          logger: ctx.logger,
          once: opts.once === true,
          signal: controller.signal,
        });
        for (const s of summaries) console.log(JSON.stringify(s));
        if (summaries.some((s) => s.error)) process.exitCode = 1;
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });

  const connector = program.command('connector').description('one department file, for the integration engineer');
  registerConnectorKitCommands(connector, ctx);
  connector
    .command('check')
    .description('offline dry run (no broker): the file is valid, the source can be read, and a sample maps; prints the first mapped events or refusal reasons as JSON. Exit 2 when the source check fails or a sample record is refused')
    .argument('<department-file>', 'pipelines/departments/<code>.yaml')
    .option('--sample <file>', 'a sample of the source (for file-drop: an export file) to map')
    .option('--max <n>', 'how many records to print', (v) => Number(v), 5)
    .action(async (file: string, opts: { sample?: string; max: number }) => {
      const d = loadDepartmentFile(file);
      const type = connectorType(d.source.type)!;
      const warnings: string[] = [];
      let hmacKey: string | undefined;
      if (d.personalData.hmacKey) {
        try {
          hmacKey = readSecret(d.personalData.hmacKey);
        } catch (err) {
          if (!isCasepipeError(err, 'SECRET_MISSING')) throw err;
          hmacKey = 'casepipe-connector-check-placeholder';
          warnings.push(`${err.message}: hashed columns use a placeholder key here, so their values differ from production (set ${describeSecret(d.personalData.hmacKey)})`);
        }
      }
      const connector = type.create(d.source, { department: d.code, logger: ctx.logger, request: (_what, fn) => fn(), mappedColumns: mappedColumns(d.mapping) });
      const check = await connector.check().finally(() => connector.close?.());
      const report: Record<string, unknown> = { department: { code: d.code, name: d.name, type: d.source.type, file }, check, warnings };
      let refused = 0;
      if (opts.sample) {
        // A mapped departmentCode may name any department declared beside this file.
        const declared = registryNames(path.dirname(path.resolve(file)));
        const map = compileMapping(d.mapping, d.personalData, { departmentCode: d.code, departmentName: d.name, declared }, hmacKey);
        const records = await type.sampleRecords(d.source, opts.sample);
        const now = Date.now();
        const outcomes = records.map((r) => ({ r, o: recordOutcome(r, map, now) }));
        const reasons: Record<string, number> = {};
        for (const { o } of outcomes) if (o.refusal) reasons[o.refusal.code] = (reasons[o.refusal.code] ?? 0) + 1;
        refused = outcomes.filter(({ o }) => o.refusal).length;
        report.sample = { file: opts.sample, records: records.length, mapped: records.length - refused, refused: reasons };
        report.first = outcomes.slice(0, opts.max).map(({ r, o }) => (o.event ? { location: r.location, event: caseEventToJson(o.event) } : { location: r.location, refused: o.refusal }));
      } else {
        warnings.push('no --sample given: only the file and the source were checked');
      }
      console.log(JSON.stringify(report, null, 2));
      if (!check.ok || refused > 0) process.exitCode = 2;
    });
}
