import path from 'node:path';
import type { Command } from 'commander';
import { checkSchemaCompatibility } from '../../contract/compatibility.js';
import { DEFAULT_SCHEMAS_DIR, loadCaseEventSchemas } from '../../contract/schema-registry.js';
import type { CliContext } from '../context.js';

export function registerSchemasCommands(program: Command, _ctx: CliContext): void {
  const schemas = program.command('schemas').description('the Avro case-event contract in schemas/');

  schemas
    .command('check')
    .description('check that every case-event.vN.avsc is fully compatible with the newest (both directions)')
    .option('--dir <path>', 'schema directory', DEFAULT_SCHEMAS_DIR)
    .action((opts: { dir: string }) => {
      const dir = path.resolve(opts.dir);
      const r = checkSchemaCompatibility(dir);
      if (r.ok) {
        const current = loadCaseEventSchemas(dir).current;
        console.log(`ok: case-event v${r.versions.join(', v')} fully compatible; current v${current.version} fingerprint ${current.fingerprint.toString('hex')} (CRC-64-AVRO, little-endian)`);
        return;
      }
      for (const p of r.problems) console.error(`SCHEMA_INCOMPATIBLE: ${p}`);
      process.exitCode = 1;
    });
}
