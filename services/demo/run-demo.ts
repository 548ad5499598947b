/**
 * `npm run demo`: the whole job on the embedded defaults, from the departments' raw sources.
 * Generates a month (August 2025 by default, seeded) and writes it as the hall's raw sources: each
 * declared department's exports in its inbox, in its format and encoding (raw-month.ts, with the
 * applicants' personal fields and the noise of life: re-sent records, the comprehensive window and
 * the department reporting the same case, July cases completed in August, out-of-order arrival,
 * events minutes either side of the month boundary, ~0.5% malformed records). Then it runs the
 * connectors once over every department to caught-up, the stream worker to caught-up, the monthly
 * snapshot and the report, and prints the paragraph, the data quality with the connectors' figures
 * per department (the whole table in a file) and where the files are. It checks the figures against
 * the generator's ground truth and the refused records against the planned malformed ones, and fails
 * loudly if either differs.
 *
 * The demo keeps its own topics (prefix `demo.`) and data folder (<data>/demo, the sources under
 * <data>/demo/sources), so it never mixes with a real pipeline on the same broker. A second run
 * resets them (or reuses them with --reuse).
 */
import fs from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Admin } from 'kafkajs';
import type { Config } from '../platform/config.js';
import { createKafka } from '../platform/kafka-client.js';
import type { Logger } from '../platform/logger.js';
import { CASE_EVENTS, CASE_EVENTS_DLQ, declaredTopics, ensureTopics } from '../platform/topics.js';
import { FIGURE_KEYS, type MonthFigures } from '../figures/window-figures.js';
import { diffMonthFigures } from '../report/report-input.js';
import { renderOverviewParagraph } from '../report/paragraph.js';
import { formatWan } from '../report/number-format.js';
import { queryLimits, queryRows } from '../snapshot/snapshot-query.js';
import { startWorkerProcess } from '../worker/worker-process.js';
import { CONNECTOR_STATE } from '../connectors/connector-state.js';
import { runConnectors, type DepartmentRunSummary } from '../connectors/connector-runtime.js';
import { loadDepartmentRegistry } from '../departments/department-registry.js';
import type { Department } from '../departments/department-file.js';
import type { GenerateMonthOptions } from './month-generator.js';
import type { PersonalValues } from './applicants.js';
import { planRawMonth } from './raw-month.js';
import { PUSH_TYPES, SOURCE_WRITERS, type PreparedSource } from './demo-sources.js';
import { connectorTable } from './connector-table.js';

export interface DemoOptions {
  config: Config;
  logger: Logger;
  brokers: string[];
  month?: string;
  seed?: number;
  targets?: GenerateMonthOptions['targets'];
  reuse?: boolean;
  /** A PostgreSQL (postgres://) or MySQL/MariaDB (mysql://) server for the 前置库 departments; default an embedded PostgreSQL. */
  databaseUrl?: string;
  /** The declared departments (default: config.departmentsDir). */
  departmentsDir?: string;
  /** Where to print; tests pass a collector. */
  print?: (line: string) => void;
  /** Show progress bars (a terminal) or plain lines. */
  progress?: boolean;
}

export interface DemoResult {
  month: string;
  figures: MonthFigures;
  truth: MonthFigures;
  paragraph: string;
  snapshotFolder: string;
  version: number;
  /** Dead letters by reason: the connectors' refusals plus what the worker refused. */
  deadLettersByReason: Record<string, number>;
  /** What the raw sources were made to have refused, by reason. */
  plannedRefusals: Record<string, number>;
  connectors: DepartmentRunSummary[];
  /** Every personal value written into the raw sources (none may get further). */
  personal: PersonalValues;
  /** Files the demo wrote beside the snapshot: the connector table. */
  connectorTableFile: string;
  topics: { caseEvents: string; deadLetters: string; connectorState: string };
  reset: boolean;
  reused: boolean;
}

export function demoConfig(config: Config): Config {
  return {
    ...config,
    dataDir: path.join(config.dataDir, 'demo'),
    topicPrefix: `demo.${config.topicPrefix}`,
    groupId: `${config.groupId}-demo`,
    workerPort: 0,
    schedule: { ...config.schedule, enabled: false },
  };
}

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const print = opts.print ?? ((line: string) => console.log(line));
  const config = demoConfig(opts.config);
  const month = opts.month ?? '2025-08';
  const seed = opts.seed ?? 20250926;
  const topics = {
    caseEvents: config.topicPrefix + CASE_EVENTS,
    deadLetters: config.topicPrefix + CASE_EVENTS_DLQ,
    connectorState: config.topicPrefix + CONNECTOR_STATE,
  };
  const kafka = createKafka(config, opts.brokers, opts.logger);
  const admin = kafka.admin();
  await admin.connect();

  const registry = loadDepartmentRegistry(opts.departmentsDir ?? opts.config.departmentsDir);
  const raw = planRawMonth(registry.departments, { month, seed, ...(opts.targets ? { targets: opts.targets } : {}) });
  const existing = (await admin.listTopics()).includes(topics.caseEvents) || fs.existsSync(config.dataDir);
  let reset = false;
  let reused = false;
  if (existing && opts.reuse) {
    reused = true;
    print(`Reusing the data of the previous demo run (${config.dataDir}, topic ${topics.caseEvents}).`);
  } else if (existing) {
    reset = true;
    print(`Resetting the data of the previous demo run: folder ${config.dataDir} (sources, store, snapshots) and topics ${topics.caseEvents}[.dlq], ${topics.connectorState}; --reuse keeps them.`);
    await deleteTopics(admin, [topics.caseEvents, topics.deadLetters, topics.connectorState]);
    fs.rmSync(config.dataDir, { recursive: true, force: true });
  }

  const types = new Map<string, number>();
  for (const s of raw.sources) types.set(s.department.source.type, (types.get(s.department.source.type) ?? 0) + 1);
  print(
    `Generated ${month} as the raw sources of ${raw.sources.length} departments (${[...types].map(([t, n]) => `${t} ${n}`).join(', ')}): ` +
      `${raw.records} source records from ${raw.generated.events.length} case events (re-sent copies included), ` +
      `${Object.values(raw.refusals).reduce((a, b) => a + b, 0)} of them malformed.`,
  );
  let worker: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
  const prepared: PreparedSource[] = [];
  let connectors: DepartmentRunSummary[] = [];
  try {
    // The worker creates its topics (infra/topics.json) before it subscribes; the state topic is the connectors'.
    worker = await startWorkerProcess({ config, logger: opts.logger, brokers: opts.brokers, topics: { caseEvents: topics.caseEvents, deadLetters: topics.deadLetters }, port: null });
    const stateTopic = declaredTopics(config.topicPrefix).filter((t) => t.name === topics.connectorState);
    await ensureTopics(admin, stateTopic, { allowFewerReplicas: config.allowFewerReplicas, logger: opts.logger });
    if (!reused) {
      const work = { dir: path.join(config.dataDir, 'sources'), month, logger: opts.logger, databaseUrl: opts.databaseUrl };
      for (const source of raw.sources) {
        const writer = SOURCE_WRITERS[source.department.source.type];
        if (!writer) throw new Error(`the demo cannot write a source of type ${source.department.source.type} (department ${source.department.code})`);
        prepared.push(await writer(source, work));
      }
      print(`Sources written under ${work.dir}; running the connectors of ${prepared.length} departments once, to caught-up.`);
      const bar = progressBar(opts.progress, 'connect', print);
      bar.start(raw.records);
      const readSoFar = new Map<string, number>();
      const onBatch = (code: string, s: Readonly<DepartmentRunSummary>) => {
        readSoFar.set(code, s.read);
        bar.update([...readSoFar.values()].reduce((a, b) => a + b, 0));
      };
      const env = demoSecrets(prepared.map((p) => p.department));
      const run = (group: PreparedSource[], once: boolean, signal: AbortSignal) =>
        group.length === 0 ? Promise.resolve([]) : runConnectors({ kafka, topics, departments: group.map((p) => p.department), declared: registry.names, logger: opts.logger, once, signal, env, onBatch });
      // Pull types read what is there, once, to caught-up; push types listen until the demo's push is answered.
      const pushed = prepared.filter((p) => PUSH_TYPES.has(p.department.source.type));
      const pushing = new AbortController();
      const pulling = new AbortController();
      const pulls = run(prepared.filter((p) => !pushed.includes(p)), true, pulling.signal);
      const pushes = run(pushed, false, pushing.signal);
      try {
        await Promise.all(pushed.map((p) => p.push?.()));
      } catch (err) {
        // Nothing may go on publishing behind a failed demo (a next run would find it in its topics).
        pulling.abort();
        pushing.abort();
        await Promise.allSettled([pulls, pushes]);
        throw err;
      }
      pushing.abort();
      connectors = [...(await pulls), ...(await pushes)];
      bar.stop();
      const failed = connectors.filter((c) => c.error);
      if (failed.length > 0) throw new Error(`department connectors stopped: ${failed.map((c) => `${c.department} ${c.error!.code}: ${c.error!.message}`).join('; ')}`);
    }
    await waitUntilCaughtUp(admin, topics.caseEvents, () => worker!.store.storedOffsets(topics.caseEvents), opts.progress, print);

    // Forced: the demo may generate the month that is still running (an early snapshot then).
    const snapshot = await worker.snapshot(month, { force: true });
    const figures = JSON.parse(fs.readFileSync(path.join(snapshot.folder, 'figures.json'), 'utf8')) as MonthFigures;
    const paragraph = renderOverviewParagraph(figures);
    const deadLettersByReason: Record<string, number> = {};
    for (const c of connectors) for (const [r, n] of Object.entries(c.refused)) deadLettersByReason[r] = (deadLettersByReason[r] ?? 0) + n;
    const dl = await queryRows(path.join(snapshot.folder, 'snapshot.duckdb'), 'SELECT reason, sum(count)::BIGINT AS n FROM dead_letters GROUP BY reason ORDER BY reason', queryLimits(config));
    for (const r of dl) deadLettersByReason[String(r.reason)] = (deadLettersByReason[String(r.reason)] ?? 0) + Number(r.n);

    print('');
    print(`一、${month.slice(0, 4)}年${Number(month.slice(5))}月总体运行情况`);
    print(paragraph);
    print('');
    const metrics = await queryRows(path.join(snapshot.folder, 'snapshot.duckdb'), `SELECT metric, sum(n)::BIGINT AS n FROM quality GROUP BY metric`, queryLimits(config));
    const metric = (name: string) => Number(metrics.find((r) => r.metric === name)?.n ?? 0);
    print('Data quality (数据质量):');
    const table = connectorTable(connectors, registry.departments);
    const tableFile = path.join(config.dataDir, `connectors-${month}.txt`);
    if (connectors.length > 0) {
      fs.writeFileSync(tableFile, `${table.full.join('\n')}\n`);
      for (const line of table.summary) print(`  ${line}`);
      print(`  (every department: ${tableFile})`);
    }
    print(`  worker: events read ${metric('events_read')}, duplicates dropped ${metric('duplicates_dropped')}, late events ${metric('late_events')}`);
    print(`  stored: milestones ${snapshot.manifest.rowCounts.milestones}, consultations ${snapshot.manifest.rowCounts.consultations}`);
    print(`  dead letters by reason: ${Object.entries(deadLettersByReason).sort(([a], [b]) => (a < b ? -1 : 1)).map(([r, n]) => `${r} ${n}`).join(', ') || 'none'}`);
    print('');
    print(`Snapshot ${month} v${snapshot.version}${snapshot.created ? '' : ' (unchanged, kept)'}: ${snapshot.folder}`);
    print(`  report.md, report.html (charts), report.xlsx, snapshot.duckdb, *.parquet, manifest.json`);
    // The demo's own data folder: every command below needs it named.
    const env = `CASEPIPE_DATA_DIR=${path.relative(process.cwd(), config.dataDir) || '.'}`;
    print(`  list them: ${env} npx casepipe snapshots list`);
    print(`  query it:  ${env} npx casepipe query --month ${month} "SELECT * FROM figures_total"`);
    print(`  the issue: ${env} npx casepipe issue --month ${month}`);

    const diff = diffMonthFigures(raw.generated.truth.figures, figures);
    if (diff.length > 0) {
      print(`\nFIGURES DIFFER FROM THE GROUND TRUTH (${diff.length} values), e.g. ${JSON.stringify(diff.slice(0, 5))}`);
      throw new Error('demo figures differ from the generated ground truth');
    }
    const planned = raw.refusals;
    if (!reused && JSON.stringify(sorted(deadLettersByReason)) !== JSON.stringify(sorted(planned))) {
      print(`\nDEAD LETTERS DIFFER FROM THE PLANNED MALFORMED RECORDS: got ${JSON.stringify(sorted(deadLettersByReason))}, planned ${JSON.stringify(sorted(planned))}`);
      throw new Error('demo dead letters differ from the planned malformed records');
    }
    print(`\nThe figures equal the generator's ground truth: ${FIGURE_KEYS.slice(0, 6).map((k) => formatWan(figures.total[k])).join(', ')}, ${figures.total.phoneConsultations} and ${figures.total.onsiteConsultations} 人(次); every malformed record was refused for the reason it was made with.`);
    return {
      month,
      figures,
      truth: raw.generated.truth.figures,
      paragraph,
      snapshotFolder: snapshot.folder,
      version: snapshot.version,
      deadLettersByReason,
      plannedRefusals: planned,
      connectors,
      personal: raw.personal,
      connectorTableFile: tableFile,
      topics,
      reset,
      reused,
    };
  } finally {
    for (const p of prepared) await p.close().catch(() => undefined);
    await worker?.stop();
    await admin.disconnect();
  }
}

function sorted(o: Record<string, number>): [string, number][] {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1));
}

/** The demo's HMAC keys: a fixed demo-only key for each key a department names in the environment and the environment lacks. */
function demoSecrets(departments: Department[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const d of departments) {
    const ref = d.personalData.hmacKey;
    if (ref && 'env' in ref && !env[ref.env]) env[ref.env] = `casepipe-demo-only-hmac-key-${d.code}`;
  }
  return env;
}

async function deleteTopics(admin: Admin, topics: string[]): Promise<void> {
  const present = (await admin.listTopics()).filter((t) => topics.includes(t));
  if (present.length === 0) return;
  await admin.deleteTopics({ topics: present, timeout: 30_000 });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const left = (await admin.listTopics()).filter((t) => topics.includes(t));
    if (left.length === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`topics ${present.join(', ')} were not deleted within 30 s`);
}

async function waitUntilCaughtUp(
  admin: Admin,
  topic: string,
  stored: () => Promise<Map<number, bigint | string>>,
  progress: boolean | undefined,
  print: (line: string) => void,
): Promise<void> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const total = offsets.reduce((s, o) => s + Number(BigInt(o.high) - BigInt(o.low)), 0);
  const bar = progressBar(progress, 'count', print);
  bar.start(total);
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    const s = await stored();
    let done = 0;
    let caughtUp = true;
    for (const o of offsets) {
      const next = s.has(o.partition) ? BigInt(s.get(o.partition)!) : BigInt(o.low);
      done += Number(next - BigInt(o.low));
      if (next < BigInt(o.high)) caughtUp = false;
    }
    bar.update(done);
    if (caughtUp) break;
    if (Date.now() > deadline) throw new Error(`the worker did not catch up within 10 minutes (${done} of ${total})`);
    await new Promise((r) => setTimeout(r, 200));
  }
  bar.stop();
}

interface Bar {
  start(total: number): void;
  update(n: number): void;
  stop(): void;
}

/** A progress bar in a terminal; otherwise a plain line at start and end. */
function progressBar(tty: boolean | undefined, label: string, print: (line: string) => void): Bar {
  if (tty) {
    const bar = new cliProgress.SingleBar({ format: `${label.padEnd(8)} [{bar}] {percentage}% {value}/{total} records`, hideCursor: true }, cliProgress.Presets.shades_classic);
    return { start: (t) => bar.start(t, 0), update: (n) => bar.update(n), stop: () => bar.stop() };
  }
  let total = 0;
  let last = 0;
  let started = 0;
  return {
    start: (t) => {
      total = t;
      started = Date.now();
      print(`${label}: 0/${t} records`);
    },
    update: (n) => {
      last = n;
    },
    stop: () => print(`${label}: ${last}/${total} records, done in ${Math.round((Date.now() - started) / 1000)} s`),
  };
}
