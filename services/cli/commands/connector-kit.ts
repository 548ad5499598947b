/**
 * `casepipe connector new` (a department file, sample and test from the type's spec) and
 * `casepipe connector test` (the conformance kit). Both work offline: no broker is asked for.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { failedChecks, runConformanceKit, type KitResult } from '../../connectors/conformance-kit.js';
import { CONNECTOR_TYPE_NAMES } from '../../connectors/connector-types.js';
import { scaffoldDepartment } from '../../connectors/department-scaffold.js';
import type { CliContext } from '../context.js';

export function registerConnectorKitCommands(connector: Command, ctx: CliContext): void {
  connector
    .command('new')
    .description('write a department file from the connector type\'s spec (every option documented, examples as values), a sample of the source and a test that runs `connector test` on it; never overwrites')
    .requiredOption('--type <type>', `connector type: ${CONNECTOR_TYPE_NAMES.join(', ')}`)
    .requiredOption('--department <code>', 'official department code (also the file name)')
    .option('--name <名称>', 'official name as the report writes it')
    .option('--dir <folder>', 'department files folder', ctx.config.departmentsDir)
    .option('--tests <folder>', 'where the generated test goes', 'tests/connectors/departments')
    .action((opts: { type: string; department: string; name?: string; dir: string; tests: string }) => {
      const files = scaffoldDepartment({ type: opts.type, code: opts.department, name: opts.name, dir: opts.dir, testsDir: opts.tests, root: process.cwd() });
      for (const f of Object.values(files)) console.log(`wrote ${path.relative(process.cwd(), f)}`);
      console.log(`next: edit ${path.relative(process.cwd(), files.departmentFile)} to the real source, then \`casepipe connector test ${path.relative(process.cwd(), files.departmentFile)}\``);
    });

  connector
    .command('test')
    .description('the conformance kit, offline: spec, check(), the sample maps to valid events, a re-read gives the same ids, a restart resumes from its checkpoint without gap or loss, no personal data in the events. Exit 2 naming the failed checks')
    .argument('<department-file>', 'pipelines/departments/<code>.yaml (with `sample:`)')
    .option('--live', 'run check() against the real source the file declares (the reads still use the sample)')
    .option('--json', 'print the results as JSON')
    .action(async (file: string, opts: { live?: boolean; json?: boolean }) => {
      const results = await runConformanceKit(file, { live: opts.live === true, logger: ctx.logger });
      if (opts.json) console.log(JSON.stringify(results, null, 2));
      else console.log(formatResults(results));
      const failed = failedChecks(results);
      if (failed.length > 0) {
        console.error(`casepipe: connector test: ${path.basename(file)} failed: ${failed.join(', ')}`);
        process.exitCode = 2;
      }
    });
}

export function formatResults(results: KitResult[]): string {
  const width = Math.max(...results.map((r) => r.check.length));
  return results.map((r) => [`${r.status} ${r.check.padEnd(width)}  ${r.reason}`, ...r.details.map((d) => `     ${''.padEnd(width)}  - ${d}`)].join('\n')).join('\n');
}
