/**
 * `npm run bench`: every benchmark in one run, printed as a Markdown table (for the README and the
 * issue notes) and saved to .data/bench/latest.md. Names a subset with arguments: `npm run bench -- codec worker`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchResult } from './bench-result.js';

type Bench = () => Promise<BenchResult[]>;
const BENCHES: Record<string, () => Promise<Bench>> = {
  codec: async () => (await import('./codec.bench.js')).benchCodec,
  store: async () => (await import('./store.bench.js')).benchStore,
  worker: async () => (await import('./worker.bench.js')).benchWorker,
  snapshot: async () => (await import('./snapshot.bench.js')).benchSnapshot,
  connectors: async () => {
    const fileDrop = (await import('./connectors.bench.js')).benchConnectors;
    const sqlPoll = (await import('./sql-poll.bench.js')).benchSqlPoll;
    return async () => [...(await fileDrop()), ...(await sqlPoll())];
  },
  'sql-poll': async () => (await import('./sql-poll.bench.js')).benchSqlPoll,
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length > 0 ? wanted : Object.keys(BENCHES);
const rows: string[] = [];
for (const name of names) {
  const load = BENCHES[name];
  if (!load) throw new Error(`unknown benchmark ${name}; known: ${Object.keys(BENCHES).join(', ')}`);
  console.error(`[bench] ${name} ...`);
  const started = Date.now();
  const results = await (await load())();
  for (const r of results) rows.push(`| ${name} | ${r.name} | ${r.value.toLocaleString('en-US')} ${r.unit} | ${r.note ?? ''} |`);
  console.error(`[bench] ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
const table = [
  `Measured ${new Date().toISOString()} on ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}.`,
  '',
  '| bench | what | result | note |',
  '| --- | --- | ---: | --- |',
  ...rows,
].join('\n');
console.log(table);
const out = path.join(process.cwd(), '.data', 'bench', 'latest.md');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, `${table}\n`);
process.exit(0);
