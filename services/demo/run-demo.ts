/**
 * `npm run demo`: the whole job on the embedded defaults. Generates a month (August 2025 by default,
 * seeded, with re-sent copies, late July completions, out-of-order arrival, events either side of the
 * month boundary and ~0.5% malformed records), publishes it onto the case-events topic, runs the
 * stream worker until it has caught up, takes the monthly snapshot and prints the paragraph, the data
 * quality and where the files are. It checks the figures against the generator's ground truth and fails
 * loudly if they differ.
 *
 * The demo keeps its own topics (prefix `demo.`) and data folder (<data>/demo), so it never mixes with
 * a real pipeline on the same broker. A second run resets them (or reuses them with --reuse).
 */
import fs from 'node:fs';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Admin } from 'kafkajs';
import type { Config } from '../platform/config.js';
import { createKafka } from '../platform/kafka-client.js';
import type { Logger } from '../platform/logger.js';
import { CASE_EVENTS, CASE_EVENTS_DLQ } from '../platform/topics.js';
import { FIGURE_KEYS, type MonthFigures } from '../figures/window-figures.js';
import { diffMonthFigures } from '../report/report-input.js';
import { renderOverviewParagraph } from '../report/paragraph.js';
import { formatWan } from '../report/number-format.js';
import { queryLimits, queryRows } from '../snapshot/snapshot-query.js';
import { startWorkerProcess } from '../worker/worker-process.js';
import { generateMonth, type GenerateMonthOptions } from './month-generator.js';
import { publishGenerated } from './publish-generated.js';
import { monthRange } from '../contract/month.js';

export interface DemoOptions {
  config: Config;
  logger: Logger;
  brokers: string[];
  month?: string;
  seed?: number;
  targets?: GenerateMonthOptions['targets'];
  reuse?: boolean;
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
  deadLettersByReason: Record<string, number>;
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
  const topics = { caseEvents: config.topicPrefix + CASE_EVENTS, deadLetters: config.topicPrefix + CASE_EVENTS_DLQ };
  const kafka = createKafka(config, opts.brokers, opts.logger);
  const admin = kafka.admin();
  await admin.connect();

  const generated = generateMonth({ month, seed: opts.seed ?? 20250926, ...(opts.targets ? { targets: opts.targets } : {}) });
  const existing = (await admin.listTopics()).includes(topics.caseEvents) || fs.existsSync(config.dataDir);
  let reset = false;
  let reused = false;
  if (existing && opts.reuse) {
    reused = true;
    print(`Reusing the data of the previous demo run (${config.dataDir}, topic ${topics.caseEvents}).`);
  } else {
    if (existing) {
      reset = true;
      print(`Resetting the data of the previous demo run (${config.dataDir}, topics ${topics.caseEvents}[.dlq]); --reuse keeps it.`);
      await deleteTopics(admin, [topics.caseEvents, topics.deadLetters]);
      fs.rmSync(config.dataDir, { recursive: true, force: true });
    }
  }

  print(`Generated ${month}: ${generated.events.length} case events (re-sent copies included) and ${generated.malformed.length} malformed records.`);
  let worker: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
  try {
    // The worker creates the topics (infra/topics.json) before it subscribes; start it first.
    worker = await startWorkerProcess({ config, logger: opts.logger, brokers: opts.brokers, topics, port: null });
    if (!reused) {
      const producer = kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      const bar = progressBar(opts.progress, 'publish', print);
      bar.start(generated.events.length + generated.malformed.length);
      await publishGenerated(producer, topics.caseEvents, generated.events, generated.malformed, (sent) => bar.update(sent), 5000, monthRange(month));
      bar.stop();
      await producer.disconnect();
    }
    await waitUntilCaughtUp(admin, topics.caseEvents, () => worker!.store.storedOffsets(topics.caseEvents), opts.progress, print);

    // Forced: the demo may generate the month that is still running (an early snapshot then).
    const snapshot = await worker.snapshot(month, { force: true });
    const figures = JSON.parse(fs.readFileSync(path.join(snapshot.folder, 'figures.json'), 'utf8')) as MonthFigures;
    const paragraph = renderOverviewParagraph(figures);
    const deadLettersByReason: Record<string, number> = {};
    const dl = await queryRows(path.join(snapshot.folder, 'snapshot.duckdb'), 'SELECT reason, sum(count)::BIGINT AS n FROM dead_letters GROUP BY reason ORDER BY reason', queryLimits(config));
    for (const r of dl) deadLettersByReason[String(r.reason)] = Number(r.n);

    print('');
    print(`一、${month.slice(0, 4)}年${Number(month.slice(5))}月总体运行情况`);
    print(paragraph);
    print('');
    const metrics = await queryRows(path.join(snapshot.folder, 'snapshot.duckdb'), `SELECT metric, sum(n)::BIGINT AS n FROM quality GROUP BY metric`, queryLimits(config));
    const metric = (name: string) => Number(metrics.find((r) => r.metric === name)?.n ?? 0);
    print('Data quality (数据质量):');
    print(`  events read ${metric('events_read')}, duplicates dropped ${metric('duplicates_dropped')}, late events ${metric('late_events')}`);
    print(`  stored: milestones ${snapshot.manifest.rowCounts.milestones}, consultations ${snapshot.manifest.rowCounts.consultations}`);
    print(`  dead letters by reason: ${Object.entries(deadLettersByReason).map(([r, n]) => `${r} ${n}`).join(', ') || 'none'}`);
    print('');
    print(`Snapshot ${month} v${snapshot.version}${snapshot.created ? '' : ' (unchanged, kept)'}: ${snapshot.folder}`);
    print(`  report.md, report.html (charts), report.xlsx, snapshot.duckdb, *.parquet, manifest.json`);
    // The demo's own data folder: every command below needs it named.
    const env = `CASEPIPE_DATA_DIR=${path.relative(process.cwd(), config.dataDir) || '.'}`;
    print(`  list them: ${env} npx casepipe snapshots list`);
    print(`  query it:  ${env} npx casepipe query --month ${month} "SELECT * FROM figures_total"`);
    print(`  the issue: ${env} npx casepipe issue --month ${month}`);

    const diff = diffMonthFigures(generated.truth.figures, figures);
    if (diff.length > 0) {
      print(`\nFIGURES DIFFER FROM THE GROUND TRUTH (${diff.length} values), e.g. ${JSON.stringify(diff.slice(0, 5))}`);
      throw new Error('demo figures differ from the generated ground truth');
    }
    print(`\nThe figures equal the generator's ground truth: ${FIGURE_KEYS.slice(0, 6).map((k) => formatWan(figures.total[k])).join(', ')}, ${figures.total.phoneConsultations} and ${figures.total.onsiteConsultations} 人(次).`);
    return { month, figures, truth: generated.truth.figures, paragraph, snapshotFolder: snapshot.folder, version: snapshot.version, deadLettersByReason, reset, reused };
  } finally {
    await worker?.stop();
    await admin.disconnect();
  }
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
  return {
    start: (t) => {
      total = t;
      print(`${label}: 0/${t} records`);
    },
    update: (n) => {
      last = n;
    },
    stop: () => print(`${label}: ${last}/${total} records, done`),
  };
}
