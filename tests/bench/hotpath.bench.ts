/**
 * `npm run bench -- hotpath` (issue 13): one topic of HOTPATH_EVENTS events (default 1M; with re-sent
 * copies, some of them earlier than the first, so dedupe replaces winners), then, one after the other in
 * this run, each as its own process timed from launch until its group's committed offsets reach the end:
 *   - the stream worker (`casepipe worker`, the real one, started as operators start it: bin/casepipe.js,
 *     whose bundle of the sources, bin/cli-bundle.mjs, is built before the clock starts),
 *   - the Kafka Streams peer (tests/bench/peers/kafka-streams; built with Maven when its jar is missing),
 *   - a raw kafkajs consumer (tests/bench/peers/raw-kafkajs.ts), and the same with the worker's record
 *     batch decoder (services/platform/kafka-record-batch.ts) in place of kafkajs' own,
 *   - Kafka's own consumer (org.apache.kafka.tools.ConsumerPerformance): launch until it exits after
 *     reading every record; the machine's ceiling.
 * CPU is the process tree's user+system time from /proc at the moment it caught up; peak RSS is the
 * largest resident size seen (sampled every 200 ms, and the main process's VmHWM).
 * The peer's and the worker's figures (every month, department and metric) must be equal, or it throws.
 * HOTPATH_SKIP=peer,perf leaves out runners (comma list of worker, peer, raw, decoder, perf) for a quick look.
 * HOTPATH_CPU_PROF=<folder> runs the worker under `node --cpu-prof` and keeps its .cpuprofile there
 * (written when the worker stops, after the measured part).
 * HOTPATH_KEEP_WORK=1 keeps the work folder (each runner's log, the worker's store); HOTPATH_LOG_LEVEL
 * sets the worker's (default warn); HOTPATH_NODE_ARGS adds node options to the worker's (e.g. `--trace-gc`,
 * whose lines land in its log).
 * HOTPATH_KEEP_TOPIC=1 keeps the topics and prints their prefix; HOTPATH_TOPIC_PREFIX=<that prefix> runs
 * on them again instead of producing HOTPATH_EVENTS new ones (10M take ~3.5 minutes to produce), each
 * runner in a group of its own.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import type { CaseEvent } from '../../services/contract/case-event.js';
import { encodeCaseEvent } from '../../services/contract/codec.js';
import { FIGURE_KEYS, type MonthFigures } from '../../services/figures/window-figures.js';
import { chooseBroker } from '../../services/platform/broker/choose-broker.js';
import { loadConfig } from '../../services/platform/config.js';
import { silentLogger } from '../../services/platform/logger.js';
import { CASE_EVENTS, CASE_EVENTS_DLQ, topicOffsets } from '../../services/platform/topics.js';
import type { BenchResult } from './bench-result.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PEER_DIR = path.join(ROOT, 'tests/bench/peers/kafka-streams');
const PEER_JAR = path.join(PEER_DIR, 'target/casepipe-streams-peer.jar');
const PEER_CLASSPATH = `${PEER_JAR}:${path.join(PEER_DIR, 'target/lib/*')}`;
const CLK_TCK = 100;
const PARTITIONS = 12;

const KINDS = ['RECEIVED', 'COMPLETED', 'DELIVERED', 'CONSULTED'] as const;

/**
 * Events over 40 departments and two CST months (August and September 2025), all four kinds and the
 * channels and delivery methods of every figure. Every 7th record is a re-sent copy of a case 6 records
 * earlier: usually a minute later (a duplicate), every 5th such copy a minute earlier and by another
 * channel (a replacement: the figure moves from one metric to another).
 */
export function* hotpathEvents(n: number): Generator<{ key: string; value: Buffer }> {
  const base = Date.parse('2025-08-01T00:00:00Z');
  for (let i = 0; i < n; i++) {
    const copy = i % 7 === 6;
    const earlier = copy && i % 35 === 6;
    const c = copy ? i - 6 : i;
    const kind = KINDS[c % 4];
    const alt = ((c >> 2) + (earlier ? 1 : 0)) % 2 === 1;
    const dept = String(c % 40).padStart(2, '0');
    const caseId = kind === 'CONSULTED' ? `ZX2025${dept}${String(c).padStart(9, '0')}` : `SC2025${dept}${String(c).padStart(9, '0')}`;
    const channel =
      kind === 'CONSULTED' ? (alt ? 'ONSITE' : 'PHONE') : kind === 'DELIVERED' ? 'DEPARTMENT_WINDOW' : alt ? 'COMPREHENSIVE_WINDOW' : 'FULL_ONLINE';
    const e: CaseEvent = {
      eventId: `evt-${String(i).padStart(9, '0')}`,
      kind,
      caseId,
      departmentCode: `D${dept}`,
      departmentName: `部门${c % 40}`,
      itemCode: kind === 'CONSULTED' ? null : '511A0138000000-511602000000-000-115113010833722043-1-00',
      channel,
      deliveryMethod: kind === 'DELIVERED' ? (alt ? 'MAIL' : 'WINDOW_PICKUP') : null,
      eventTime: base + (c % 5_000_000) * 1000 + (copy ? (earlier ? -60_000 : 60_000) : 0),
      sourceSystem: 'bench',
      sourceRecordId: `row-${i}`,
      attributes: i % 3 === 0 ? { 办件类型: '即办件' } : {},
    };
    yield { key: caseId, value: encodeCaseEvent(e) };
  }
}

interface Measured {
  seconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
}

/** Samples CPU (user+system, children reaped included) and resident memory of a process and its descendants. */
class TreeSampler {
  private readonly cpuTicks = new Map<number, number>();
  private peakRss = 0;
  private hwm = 0;
  private timer: NodeJS.Timeout;

  constructor(private readonly root: number) {
    this.timer = setInterval(() => this.sample(), 200);
  }

  sample(): void {
    const children = new Map<number, number[]>();
    for (const name of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const stat = readStat(Number(name));
      if (!stat) continue;
      const list = children.get(stat.ppid) ?? [];
      list.push(Number(name));
      children.set(stat.ppid, list);
    }
    let rss = 0;
    const todo = [this.root];
    while (todo.length > 0) {
      const pid = todo.pop()!;
      const stat = readStat(pid);
      if (!stat) continue;
      this.cpuTicks.set(pid, stat.ticks);
      rss += stat.rssPages * 4096;
      todo.push(...(children.get(pid) ?? []));
    }
    this.peakRss = Math.max(this.peakRss, rss);
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${this.root}/status`, 'utf8'));
      if (m) this.hwm = Math.max(this.hwm, Number(m[1]) * 1024);
    } catch {
      // exited
    }
  }

  finish(): { cpuSeconds: number; peakRssBytes: number } {
    this.sample();
    clearInterval(this.timer);
    let ticks = 0;
    for (const t of this.cpuTicks.values()) ticks += t;
    return { cpuSeconds: ticks / CLK_TCK, peakRssBytes: Math.max(this.peakRss, this.hwm) };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

function readStat(pid: number): { ppid: number; ticks: number; rssPages: number } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces) in parentheses.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]), rssPages: Number(f[21]) };
}

/** Children still running, killed when the bench fails half-way or exits. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A port free right now, for the worker's admin server. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Whether the worker's live store holds every record, from its /status (storedOffsets). The
 * worker's Kafka commit is only a hint: one that fails in a rebalance is not repeated when the partition
 * has nothing new, so the group's committed offsets may stay short of the end though the store is done.
 */
async function workerStoredAll(port: number, ends: Map<number, bigint>): Promise<boolean> {
  // Not /metrics (casepipe_stored_offset): polled every 100 ms, rendering every metric cost the worker's
  // thread ~4% of its time (the 1M run's CPU profile: 0.6 s of 17 s in prom-client); a real scraper comes every 15 s.
  let stored: Record<string, string>;
  try {
    stored = ((await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as { storedOffsets?: Record<string, string> }).storedOffsets ?? {};
  } catch {
    return false; // not listening yet
  }
  return [...ends].every(([p, end]) => end === 0n || BigInt(stored[String(p)] ?? -1) >= end);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

async function stopChild(child: ChildProcess, name: string, graceMs = 120_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const done = await Promise.race([exited(child).then(() => true), sleep(graceMs).then(() => false)]);
  if (!done) {
    console.error(`[hotpath] ${name} did not stop within ${graceMs / 1000} s of SIGTERM; killing it`);
    child.kill('SIGKILL');
    await exited(child);
  }
}

/** Runs a child from launch until `caughtUp()` says so (or it exits, when `untilExit`), measuring it. */
async function measure(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  caughtUp: () => Promise<boolean>,
  logFile: string,
  untilExit = false,
): Promise<Measured & { child: ChildProcess }> {
  const log = fs.openSync(logFile, 'w');
  const started = process.hrtime.bigint();
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  running.add(child);
  child.once('exit', () => running.delete(child));
  const sampler = new TreeSampler(child.pid!);
  let exitCode: number | null | undefined;
  void exited(child).then((code) => (exitCode = code));
  const timeoutAt = Date.now() + 60 * 60_000;
  for (;;) {
    if (untilExit) {
      if (exitCode !== undefined) break;
    } else {
      if (exitCode !== undefined) {
        sampler.stop();
        throw new Error(`${name} exited (code ${exitCode}) before catching up; see ${logFile}:\n${tail(logFile)}`);
      }
      if (await caughtUp()) break;
    }
    if (Date.now() > timeoutAt) {
      sampler.stop();
      child.kill('SIGKILL');
      throw new Error(`${name} did not catch up within an hour; see ${logFile}`);
    }
    await sleep(100);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  // Read before the process exits: a reaped child's /proc entry is gone.
  const { cpuSeconds, peakRssBytes } = untilExit ? { cpuSeconds: NaN, peakRssBytes: NaN } : sampler.finish();
  if (untilExit) sampler.stop();
  return { seconds, cpuSeconds, peakRssBytes, child };
}

function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** month → department → metric → count (metrics of FIGURE_KEYS without the derived totalHandled). */
type FigureMap = Record<string, Record<string, Record<string, number>>>;
const BASE_METRICS = FIGURE_KEYS.filter((k) => k !== 'totalHandled');

function compareFigures(worker: FigureMap, peer: FigureMap): string[] {
  const diffs: string[] = [];
  const months = new Set([...Object.keys(worker), ...Object.keys(peer)]);
  for (const month of months) {
    const depts = new Set([...Object.keys(worker[month] ?? {}), ...Object.keys(peer[month] ?? {})]);
    for (const dept of depts) {
      for (const metric of BASE_METRICS) {
        const w = worker[month]?.[dept]?.[metric] ?? 0;
        const p = peer[month]?.[dept]?.[metric] ?? 0;
        if (w !== p) diffs.push(`${month} ${dept} ${metric}: worker ${w}, peer ${p}`);
      }
    }
  }
  return diffs;
}

function ensurePeerBuilt(): void {
  if (fs.existsSync(PEER_JAR) && fs.existsSync(path.join(PEER_DIR, 'target/lib'))) return;
  console.error('[hotpath] building the Kafka Streams peer (mvn package; the first build downloads from Maven Central)');
  let r = spawnSync('mvn', ['-q', '-B', '-o', 'package'], { cwd: PEER_DIR, stdio: 'inherit' });
  if (r.status !== 0) r = spawnSync('mvn', ['-q', '-B', 'package'], { cwd: PEER_DIR, stdio: 'inherit' });
  if (r.status !== 0 || !fs.existsSync(PEER_JAR)) throw new Error(`could not build the Kafka Streams peer: mvn package failed in ${PEER_DIR} (is Maven installed and Maven Central reachable?)`);
}

export async function benchHotpath(n = Number(process.env.HOTPATH_EVENTS ?? 1_000_000)): Promise<BenchResult[]> {
  const skip = new Set((process.env.HOTPATH_SKIP ?? '').split(',').filter(Boolean));
  if (!skip.has('peer') || !skip.has('perf')) ensurePeerBuilt();
  const logger = silentLogger();
  const base = loadConfig();
  const { brokers } = await chooseBroker(base, logger);
  const reuse = process.env.HOTPATH_TOPIC_PREFIX;
  const prefix = reuse ?? `hot-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}.`;
  // Group ids (and the peer's application id) of this run: new ones when the topics are reused.
  const group = `${prefix}${reuse ? `r${randomBytes(2).toString('hex')}-` : ''}`;
  const topic = prefix + CASE_EVENTS;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-hotpath-'));
  const kafka = new kafkajs.Kafka({ clientId: 'casepipe-bench', brokers, logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  // Not waitForLeaders: on a broker started moments ago kafkajs 2.2.4's wait fails with "This server
  // does not host this topic-partition" although the topics are made; topicOffsets retries until the
  // leaders answer.
  if (!reuse) {
    await admin.createTopics({
      topics: [
        { topic, numPartitions: PARTITIONS, replicationFactor: 1 },
        { topic: prefix + CASE_EVENTS_DLQ, numPartitions: 1, replicationFactor: 1 },
      ],
    });
    for (const t of [topic, prefix + CASE_EVENTS_DLQ]) await topicOffsets(admin, t);
    const producer = kafka.producer();
    await producer.connect();
    let chunk: { key: string; value: Buffer }[] = [];
    for (const m of hotpathEvents(n)) {
      chunk.push(m);
      if (chunk.length === 10_000) {
        await producer.send({ topic, acks: 1, messages: chunk });
        chunk = [];
      }
    }
    if (chunk.length) await producer.send({ topic, acks: 1, messages: chunk });
    await producer.disconnect();
  }
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  const total = [...ends.values()].reduce((s, o) => s + o, 0n);
  if (total !== BigInt(n)) throw new Error(`the topic holds ${total} records, expected ${n}`);
  console.error(`[hotpath] ${n} events on ${topic} (${PARTITIONS} partitions); work folder ${work}`);

  const caughtUp = (groupId: string) => async () => {
    let committed;
    try {
      [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    } catch (err) {
      if ((err as { retriable?: boolean }).retriable) return false; // the group's coordinator is still moving
      throw err;
    }
    if (!committed) return false;
    return committed.partitions.every((p) => p.offset !== '-1' && BigInt(p.offset) >= (ends.get(p.partition) ?? 0n)) && committed.partitions.length === ends.size;
  };
  const results: Record<string, Measured> = {};
  // Node's options as bin/casepipe.js's shebang sets them; the worker starts as operators start it
  // (bin/casepipe.js: the CLI's bundle), the bench's TypeScript peers through tsx.
  const semiSpace = '--max-semi-space-size=16';
  const node = [process.execPath, semiSpace, '--import', 'tsx'];
  const CLI = 'bin/casepipe.js';
  const kafkaEnv = { KAFKA_BROKERS: brokers.join(',') };
  let workerFigures: FigureMap | undefined;
  let peerFigures: FigureMap | undefined;
  let perfOwn = '';

  try {
    if (!skip.has('worker')) {
      console.error('[hotpath] stream worker ...');
      const port = await freePort();
      const env = {
        ...kafkaEnv,
        CASEPIPE_DATA_DIR: path.join(work, 'worker'),
        CASEPIPE_TOPIC_PREFIX: prefix,
        CASEPIPE_GROUP_ID: `${group}worker`,
        CASEPIPE_SCHEDULE: 'off',
        CASEPIPE_WORKER_PORT: String(port),
        LOG_LEVEL: process.env.HOTPATH_LOG_LEVEL ?? 'warn',
      };
      // The first start after a source changed builds the CLI's bundle: not part of a start.
      const built = spawnSync(process.execPath, [semiSpace, CLI, '--help'], { cwd: ROOT, encoding: 'utf8' });
      if (built.status !== 0) throw new Error(`casepipe --help failed: ${built.stderr}`);
      const profile = process.env.HOTPATH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.HOTPATH_CPU_PROF)}`] : [];
      profile.push(...(process.env.HOTPATH_NODE_ARGS ?? '').split(' ').filter(Boolean));
      const m = await measure('the stream worker', process.execPath, [semiSpace, ...profile, CLI, 'worker'], env, async () => (await workerStoredAll(port, ends)) || (await caughtUp(`${group}worker`)()), path.join(work, 'worker.log'));
      results.worker = m;
      await stopChild(m.child, 'the stream worker');
      workerFigures = {};
      for (const month of ['2025-08', '2025-09']) {
        const r = spawnSync(process.execPath, [semiSpace, CLI, 'figures', '--month', month, '--json'], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`casepipe figures --month ${month} failed: ${r.stderr}`);
        const f = JSON.parse(r.stdout) as MonthFigures;
        workerFigures[month] = Object.fromEntries(f.departments.map((d) => [d.departmentCode, { ...d.figures }]));
      }
    }

    if (!skip.has('peer')) {
      console.error('[hotpath] Kafka Streams peer ...');
      const figuresOut = path.join(work, 'peer-figures.json');
      const args = [
        '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
        '-cp',
        PEER_CLASSPATH,
        'casepipe.peer.Peer',
        `bootstrap=${brokers.join(',')}`,
        `topic=${topic}`,
        `app-id=${group}peer`,
        `state-dir=${path.join(work, 'peer-state')}`,
        `schemas-dir=${path.join(ROOT, 'schemas')}`,
        `figures-out=${figuresOut}`,
        'threads=2',
      ];
      const m = await measure('the Kafka Streams peer', 'java', args, {}, caughtUp(`${group}peer`), path.join(work, 'peer.log'));
      results.peer = m;
      await stopChild(m.child, 'the Kafka Streams peer');
      if (!fs.existsSync(figuresOut)) throw new Error(`the Kafka Streams peer wrote no figures; see ${path.join(work, 'peer.log')}:\n${tail(path.join(work, 'peer.log'))}`);
      peerFigures = JSON.parse(fs.readFileSync(figuresOut, 'utf8')) as FigureMap;
      console.error(`[hotpath] ${tail(path.join(work, 'peer.log'), 3).trim()}`);
    }

    if (!skip.has('raw')) {
      console.error('[hotpath] raw kafkajs consumer ...');
      const env = { ...kafkaEnv, BENCH_TOPIC: topic, BENCH_GROUP: `${group}raw` };
      const m = await measure('the raw kafkajs consumer', node[0], [...node.slice(1), 'tests/bench/peers/raw-kafkajs.ts'], env, caughtUp(`${group}raw`), path.join(work, 'raw.log'));
      results.raw = m;
      await stopChild(m.child, 'the raw kafkajs consumer');
    }

    if (!skip.has('decoder')) {
      console.error("[hotpath] raw kafkajs consumer with casepipe's record batch decoder ...");
      const env = { ...kafkaEnv, BENCH_TOPIC: topic, BENCH_GROUP: `${group}rawdecoder`, BENCH_RECORD_DECODER: 'casepipe' };
      const m = await measure("the raw consumer with casepipe's decoder", node[0], [...node.slice(1), 'tests/bench/peers/raw-kafkajs.ts'], env, caughtUp(`${group}rawdecoder`), path.join(work, 'rawdecoder.log'));
      results.decoder = m;
      await stopChild(m.child, "the raw consumer with casepipe's decoder");
    }

    if (!skip.has('perf')) {
      console.error('[hotpath] Kafka consumer perf tool ...');
      const args = ['-cp', PEER_CLASSPATH, 'org.apache.kafka.tools.ConsumerPerformance', '--bootstrap-server', brokers.join(','), '--topic', topic, '--messages', String(n), '--group', `${group}perf`, '--timeout', '120000'];
      const logFile = path.join(work, 'perf.log');
      const log = fs.openSync(logFile, 'w');
      const started = process.hrtime.bigint();
      const child = spawn('/usr/bin/time', ['-f', 'TIME %U %S %M', 'java', ...args], { cwd: ROOT, stdio: ['ignore', log, log] });
      fs.closeSync(log);
      const code = await exited(child);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const out = fs.readFileSync(logFile, 'utf8');
      const t = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(out);
      if (code !== 0 || !t) throw new Error(`ConsumerPerformance failed (exit ${code}):\n${out.slice(-2000)}`);
      results.perf = { seconds, cpuSeconds: Number(t[1]) + Number(t[2]), peakRssBytes: Number(t[3]) * 1024 };
      // Its own line: start.time, end.time, MB, MB/s, records, records/s, rebalance ms, fetch ms, fetch MB/s, fetch records/s.
      const lines = out.split('\n').filter((l) => /^\d{4}-\d\d-\d\d/.test(l));
      const fields = lines.at(-1)?.split(',').map((s) => s.trim());
      if (fields && fields.length >= 10) perfOwn = `its own count: ${Math.round(Number(fields[5]))} records/s over its fetch loop, ${Math.round(Number(fields[9]))} records/s after the group join`;
    }
  } finally {
    for (const child of running) child.kill('SIGKILL');
    // The bench's topics, those the worker declared and the peer's changelogs: all carry the prefix.
    // Kept (HOTPATH_KEEP_TOPIC) or reused: only this run's peer changelogs go.
    const keep = reuse || process.env.HOTPATH_KEEP_TOPIC;
    const ours = (await admin.listTopics().catch(() => [] as string[])).filter((t) => t.startsWith(keep ? `${group}peer` : prefix));
    if (keep) console.error(`[hotpath] topics kept: HOTPATH_TOPIC_PREFIX=${prefix} HOTPATH_EVENTS=${n} runs on them again`);
    await admin.deleteTopics({ topics: ours }).catch(() => undefined);
    await admin.disconnect();
  }

  if (workerFigures && peerFigures) {
    const diffs = compareFigures(workerFigures, peerFigures);
    if (diffs.length > 0) {
      throw new Error(`the Kafka Streams peer and the worker disagree on ${diffs.length} figures (work folder ${work} kept):\n${diffs.slice(0, 20).join('\n')}`);
    }
    let counted = 0;
    for (const month of Object.values(workerFigures)) for (const dept of Object.values(month)) for (const m of BASE_METRICS) counted += dept[m] ?? 0;
    if (counted === 0) throw new Error('the worker counted nothing: the figures comparison would prove nothing');
    console.error(`[hotpath] figures equal: ${counted} counted milestones and consultations over ${Object.keys(workerFigures).length} months`);
  }
  if (process.env.HOTPATH_KEEP_WORK) console.error(`[hotpath] work folder kept: ${work}`);
  else fs.rmSync(work, { recursive: true, force: true });

  const NAMES: Record<string, string> = {
    worker: 'stream worker (casepipe worker)',
    peer: 'Kafka Streams peer (EOS v2, 2 threads, RocksDB)',
    raw: 'raw kafkajs consumer',
    decoder: "raw kafkajs consumer, casepipe's record batch decoder",
    perf: 'Kafka ConsumerPerformance (Java)',
  };
  const out: BenchResult[] = [];
  for (const [key, m] of Object.entries(results)) {
    const note = `${n} events, ${m.seconds.toFixed(1)} s launch to caught up`;
    out.push({ name: `${NAMES[key]}: records/s`, value: Math.round(n / m.seconds), unit: 'records/s', note: key === 'perf' ? `${n} events, ${m.seconds.toFixed(1)} s launch to exit; ${perfOwn}` : note });
    out.push({ name: `${NAMES[key]}: CPU per event`, value: +((m.cpuSeconds / n) * 1e6).toFixed(1), unit: 'µs', note: `${m.cpuSeconds.toFixed(1)} CPU-s, all threads and child processes` });
    out.push({ name: `${NAMES[key]}: peak RSS`, value: Math.round(m.peakRssBytes / 2 ** 20), unit: 'MiB' });
  }
  if (results.worker && results.peer) {
    out.push({ name: 'worker / Kafka Streams peer', value: +(results.peer.seconds / results.worker.seconds).toFixed(2), unit: '×', note: `target ≥ 2×; figures of both checked equal` });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchHotpath()) console.log(`${r.name}: ${r.value} ${r.unit} (${r.note ?? ''})`);
}
