/**
 * `casepipe connector test`: the conformance kit, modelled on Airbyte's connector acceptance tests. It
 * runs a department file through the same path the runtime takes (connector type → record mapping →
 * contract validation → personal-data checks), against a throwaway source of the file's type filled
 * from its `sample:` (ConnectorType.sampleSource), and never needs a broker: it says whether a
 * connector is safe to turn on before anything reaches Kafka.
 *
 * The checks, each PASS or FAIL with a reason (a check that cannot run because an earlier one failed is
 * SKIP): spec, check, read, idempotent, resume, personal-data (see docs/connectors.md).
 * It is generic over the registry: a type only has to give `sampleSource`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import type { CaseEvent } from '../contract/case-event.js';
import { caseEventToJson } from '../contract/event-json.js';
import { creditCodeConcern, findPersonalData, PERSONAL_DATA_LABELS } from '../contract/personal-data.js';
import { loadDepartmentFile, type Department } from '../departments/department-file.js';
import { registryNames } from '../departments/department-registry.js';
import { isCasepipeError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { Checkpoint, ConnectorType, SampleSource, SourceValue } from './connector.js';
import { connectorType, type SourceSettings } from './connector-types.js';
import { cellText, compileMapping, mappedColumns, type RecordMapper } from './record-mapping.js';
import { recordOutcome, type Refusal } from './record-outcome.js';
import { describeSecret, readSecret } from './secrets.js';
import { sourceRequester } from './source-requests.js';

export const KIT_CHECKS = ['spec', 'check', 'read', 'idempotent', 'resume', 'personal-data'] as const;
export type KitCheckName = (typeof KIT_CHECKS)[number];

export interface KitResult {
  check: KitCheckName;
  status: 'PASS' | 'FAIL' | 'SKIP';
  reason: string;
  /** One line per refused record, leaked value, lost event…; never a personal value. */
  details: string[];
}

export interface KitOptions {
  /** check() against the real source the file declares, instead of the sample source. */
  live?: boolean;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** How long one read of the sample may take before it counts as hanging. */
  readTimeoutMs?: number;
}

/** The kit reads in batches (pages) this small when the type has a batchSize or pageSize option, so a restart lands mid-stream. */
const KIT_BATCH_SIZE = 2;
const HMAC_PLACEHOLDER = 'casepipe-connector-test-placeholder-key';

type Type = ConnectorType<SourceSettings>;
type Fields = Record<string, SourceValue>;

interface KitEvent {
  location: string;
  event: CaseEvent;
}

interface Pass {
  events: KitEvent[];
  refused: { location: string; refusal: Refusal }[];
  records: number;
  batches: number;
}

export async function runConformanceKit(file: string, opts: KitOptions): Promise<KitResult[]> {
  const results: KitResult[] = [];
  const add = (check: KitCheckName, ok: boolean, reason: string, details: string[] = []) => results.push({ check, status: ok ? 'PASS' : 'FAIL', reason, details });
  const skipRest = (why: string) => {
    for (const c of KIT_CHECKS) if (!results.some((r) => r.check === c)) results.push({ check: c, status: 'SKIP', reason: why, details: [] });
    return results;
  };

  // (1) spec
  let d: Department;
  try {
    d = loadDepartmentFile(file);
  } catch (err) {
    if (!isCasepipeError(err, 'DEPARTMENT_FILE_INVALID')) throw err;
    const [first, ...problems] = err.message.split('\n').map((l) => l.trim());
    problems.push(...sampleProblems(file, rawSample(file)).filter((p) => !p.startsWith('no sample')));
    add('spec', false, problems.length > 0 ? `${problems.length} problem(s) in ${first.replace(/:$/, '')}` : first, problems);
    return skipRest('the spec check failed');
  }
  const type = connectorType(d.source.type)!;
  const samplePath = d.sample === undefined ? undefined : path.resolve(path.dirname(file), d.sample);
  const specProblems = sampleProblems(file, d.sample, d.code);
  if (!type.sampleSource) specProblems.push(`connector type ${type.type} gives no sampleSource, so it cannot be tested offline`);
  const notes: string[] = [];
  let hmacKey: string | undefined;
  if (d.personalData.hmacKey && d.personalData.hmac.length > 0) {
    try {
      hmacKey = readSecret(d.personalData.hmacKey, opts.env);
    } catch (err) {
      if (!isCasepipeError(err, 'SECRET_MISSING')) throw err;
      hmacKey = HMAC_PLACEHOLDER;
      notes.push(`${describeSecret(d.personalData.hmacKey)} is not set: hashed columns use a placeholder key here`);
    }
  }
  if (specProblems.length > 0) {
    add('spec', false, `${specProblems.length} problem(s) in ${file}`, specProblems);
    return skipRest('the spec check failed');
  }
  add('spec', true, `${file} parses and validates (type ${type.type}, sample ${d.sample})`, notes);

  const kit = new KitRun(d, type, samplePath!, compileMapping(d.mapping, d.personalData, { departmentCode: d.code, departmentName: d.name, declared: declaredNear(d.file) }, hmacKey), opts);
  try {
    // (2) check, and (3) the first read on the same sample source (each source costs: PGlite, a server…)
    const { check, first } = await kit.checkThenRead();
    add('check', check.ok, check.ok ? `check() passes against ${opts.live ? 'the live source' : 'the sample source'}: ${check.message}` : `check() fails against ${opts.live ? 'the live source' : 'the sample source'}: ${check.message}`);
    if (!first) return skipRest('check() failed against the sample source');

    // (3) read: every sample record maps to a valid case event
    if (first.records === 0) add('read', false, `the sample ${d.sample} gave no records`);
    else if (first.refused.length > 0) {
      add('read', false, `${first.refused.length} of ${first.records} sample record(s) refused`, first.refused.map((r) => `${r.refusal.stage} ${r.refusal.code}: ${r.refusal.message}`));
    } else add('read', true, `${first.records} sample record(s) in ${first.batches} batch(es) map to valid case events`);

    // (4) idempotent: a fresh read of the same sample gives the same events
    const second = await kit.fullRead();
    const diff = compareEvents(first.events, second.events);
    add('idempotent', diff.length === 0, diff.length === 0 ? `a re-read gives the same ${second.events.length} event id(s) and events` : 'a re-read of the same sample gives other events', diff);

    // (5) resume
    const resume = await kit.resume(byId(first.events).size, first.refused.length > 0);
    add('resume', resume.problems.length === 0, resume.problems.length === 0 ? resume.summary : `${resume.summary}; ${resume.problems.length} problem(s)`, resume.problems);

    // (6) personal data
    const leaks = kit.personalData([first, second, ...resume.passes]);
    add('personal-data', leaks.length === 0, leaks.length === 0 ? `no 身份证号, mobile number, personal 统一社会信用代码 or value of a declared personal column (${[...d.personalData.drop, ...d.personalData.hmac].length}) in the events` : `${leaks.length} leak(s)`, leaks);
  } finally {
    await kit.close();
  }
  return results;
}

function sampleProblems(file: string, sample: unknown, code = '<CODE>'): string[] {
  if (sample === undefined) return [`no sample: add \`sample: samples/${code}.<ext>\` (a small export of the source, beside the file in samples/)`];
  if (typeof sample !== 'string') return [];
  const at = path.resolve(path.dirname(file), sample);
  return fs.existsSync(at) ? [] : [`sample: ${sample} does not exist (looked for ${at})`];
}

/** The `sample:` of a file that does not validate, if it can be read at all. */
function rawSample(file: string): unknown {
  try {
    return (YAML.parse(fs.readFileSync(file, 'utf8')) as { sample?: unknown } | null)?.sample;
  } catch {
    return undefined;
  }
}

/** The names of the checks that failed (empty: the file may be turned on). */
export function failedChecks(results: KitResult[]): KitCheckName[] {
  return results.filter((r) => r.status === 'FAIL').map((r) => r.check);
}

class KitRun {
  private readonly dir: string;
  /** Sample records plus the ones the restart check added: the raw values of personal columns come from here. */
  private readonly sourceFields: { location: string; fields: Fields }[] = [];
  private readonly settings: SourceSettings;
  /** Whether the type's sample source can add records (known once one was made). */
  private canAdd = false;

  constructor(
    private readonly d: Department,
    private readonly type: Type,
    private readonly samplePath: string,
    private readonly map: RecordMapper,
    private readonly opts: KitOptions,
  ) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `casepipe-connector-test-${d.code}-`));
    const small = ['batchSize', 'pageSize'].map((k) => type.spec.safeParse({ ...d.source, [k]: KIT_BATCH_SIZE })).find((r) => r.success);
    this.settings = small?.data ?? d.source;
  }

  async close(): Promise<void> {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** check() (against the live source with --live), then, unless it failed on the sample source, a full read. */
  async checkThenRead() {
    const checkOnce = async (settings: SourceSettings) => {
      const connector = this.type.create(settings, this.ctx(new AbortController().signal));
      try {
        return await connector.check();
      } finally {
        await connector.close?.();
      }
    };
    if (this.opts.live) return { check: await checkOnce(this.d.source), first: await this.fullRead() };
    return this.withSource(async (src) => {
      const check = await checkOnce(src.settings);
      return { check, first: check.ok ? await this.readPass(src, new Map(), { feed: src.push && (() => src.push!()) }) : undefined };
    });
  }

  /** A fresh sample source read to its end. */
  fullRead(): Promise<Pass> {
    return this.withSource((src) => this.readPass(src, new Map(), { feed: src.push && (() => src.push!()) }));
  }

  /**
   * Read part (pull types: one batch, then "crash" after its checkpoint is stored), add records, restart
   * from the stored checkpoints, read again, and once more: the events must be exactly those of one
   * uninterrupted read of the sample plus the added records — nothing lost, nothing unexpected, and a
   * record read twice only as the same event.
   */
  async resume(sampleEvents: number, readFailed: boolean): Promise<{ summary: string; problems: string[]; passes: Pass[] }> {
    const extras = await this.extraRecords();
    const canAdd = extras.length > 0;
    const expected = await this.withSource(async (src) => {
      if (src.push) return this.readPass(src, new Map(), { feed: async () => (await src.push!(), canAdd ? await src.add!(extras) : undefined) });
      if (canAdd) await src.add!(extras);
      return this.readPass(src, new Map());
    });
    return this.withSource(async (src) => {
      const checkpoints = new Map<string, Checkpoint>();
      const passes: Pass[] = [];
      const problems: string[] = [];
      if (src.push) {
        passes.push(await this.readPass(src, checkpoints, { feed: () => src.push!() }));
        passes.push(await this.readPass(src, checkpoints, { feed: async () => (canAdd ? src.add!(extras) : undefined) }));
      } else {
        passes.push(await this.readPass(src, checkpoints, { stopAfter: 1 }));
        if (canAdd) await src.add!(extras);
        passes.push(await this.readPass(src, checkpoints));
        passes.push(await this.readPass(src, checkpoints));
      }
      const want = byId(expected.events);
      // Refused records are the read check's to report; with those, only what mapped is judged here.
      if (!readFailed) for (const r of expected.refused) problems.push(`refused in an uninterrupted read with the added records: ${r.refusal.message}`);
      const got = new Map<string, KitEvent>();
      let rereads = 0;
      for (const [i, pass] of passes.entries()) {
        for (const e of pass.events) {
          const before = got.get(e.event.eventId);
          if (before) {
            rereads++;
            if (JSON.stringify(caseEventToJson(before.event)) !== JSON.stringify(caseEventToJson(e.event))) problems.push(`duplicate: ${e.location} (read ${i + 1}) gives event ${e.event.eventId} again with other content than ${before.location}`);
          } else got.set(e.event.eventId, e);
        }
      }
      for (const [id, e] of want) if (!got.has(id)) problems.push(`lost: ${e.location} (event ${id}) is never read after the restart`);
      for (const [id, e] of got) if (!want.has(id)) problems.push(`unexpected: ${e.location} (event ${id}) is not in an uninterrupted read`);
      if (canAdd && !readFailed && want.size <= sampleEvents) problems.push(`the ${extras.length} added record(s) gave no new event ids (the kit changes the recordId and caseId columns that are not looked up in values; with no such column, event ids cannot tell records apart)`);
      if (!canAdd) problems.push(`connector type ${this.type.type}'s sample source cannot add records (SampleSource.add), so new data after a restart is untested`);
      const counts = passes.map((p) => p.events.length).join(' + ');
      const summary = `${src.push ? 'pushed sample, restart, pushed' : 'read 1 batch, stored its checkpoint, restarted,'} ${extras.length} added record(s): ${counts} event(s) = ${want.size} of an uninterrupted read${rereads > 0 ? `, ${rereads} re-read as the same event` : ''}`;
      return { summary: readFailed ? `${summary} (sample records were refused: judged on the mapped ones only)` : summary, problems, passes };
    });
  }

  /**
   * Where the events hold personal data: a 身份证号 or mobile number (any writing the contract knows), a
   * 统一社会信用代码 of a 个体工商户 or one inside free text, the raw value of a column the file declares
   * personal; and records refused because the mapping would have put personal data in the event.
   */
  personalData(passes: Pass[]): string[] {
    const out = new Set<string>();
    const personalColumns = [...this.d.personalData.drop, ...this.d.personalData.hmac];
    const values: { column: string; location: string; value: string }[] = [];
    for (const { location, fields } of this.sourceFields) {
      for (const column of personalColumns) {
        const value = cellText(fields[column]);
        if (value !== undefined && distinctive(value)) values.push({ column, location, value });
      }
    }
    for (const pass of passes) {
      for (const r of pass.refused) if (r.refusal.code === 'MAP_PERSONAL_DATA' || r.refusal.code === 'PERSONAL_DATA') out.add(`the mapping reads personal data into the event: ${r.refusal.message}`);
      for (const { location, event } of pass.events) {
        const fields: [string, string | null][] = [
          ['caseId', event.caseId],
          ['itemCode', event.itemCode],
          ['sourceRecordId', event.sourceRecordId],
          ...Object.entries(event.attributes).flatMap(([k, v]): [string, string][] => [[`the name of attribute ${k}`, k], [`attributes.${k}`, v]]),
        ];
        for (const [field, text] of fields) {
          if (text === null) continue;
          const kind = findPersonalData(text);
          if (kind) out.add(`${location}: ${field} holds a ${PERSONAL_DATA_LABELS[kind]}`);
          const credit = creditCodeConcern(text);
          if (credit) out.add(`${location}: ${field} holds a ${credit}`);
          for (const v of values) if (text.includes(v.value)) out.add(`${location}: ${field} holds the value of personal column ${JSON.stringify(v.column)} (${v.location}); map it only through personalData.hmac, or drop it`);
        }
      }
    }
    return [...out];
  }

  private ctx(signal: AbortSignal) {
    const logger = this.opts.logger.child({ component: 'connector-test', department: this.d.code });
    return { department: this.d.code, logger, request: sourceRequester(this.d.limits, logger, signal), mappedColumns: mappedColumns(this.d.mapping), env: this.opts.env };
  }

  private async withSource<T>(use: (src: SampleSource<SourceSettings>) => Promise<T>): Promise<T> {
    const src = await this.type.sampleSource!(this.settings, this.samplePath, { dir: this.dir, logger: this.opts.logger, department: this.d.code });
    this.canAdd = src.add !== undefined;
    try {
      return await use(src);
    } finally {
      await src.close();
    }
  }

  /**
   * One run of a connector, as the runtime does it minus Kafka: per batch map and validate every
   * record, store the checkpoint, run afterCommit; read() until caught up. With `feed` (push types)
   * the runtime's loop goes on: once the first read() ended (the endpoint listens) the feed starts, and
   * read() / waitForData() alternate until the feed resolved (every pushed request was answered).
   * `stopAfter`: stop after that many batches, as a crash would.
   */
  private async readPass(src: SampleSource<SourceSettings>, checkpoints: Map<string, Checkpoint>, how: { feed?: () => Promise<void>; stopAfter?: number } = {}): Promise<Pass> {
    const controller = new AbortController();
    const connector = this.type.create(src.settings, this.ctx(controller.signal));
    const pass: Pass = { events: [], refused: [], records: 0, batches: 0 };
    const timeoutMs = this.opts.readTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`connector test: a read of the sample did not end within ${timeoutMs / 1000} s (read() must end when caught up; a push type's feed must resolve)`));
      }, timeoutMs);
    });
    hang.catch(() => undefined);
    let feeding: Promise<void> | undefined;
    let fed = false;
    let feedError: unknown;
    let wake = new AbortController();
    /** One read() to its end; false when stopped after `stopAfter` batches. */
    const drain = async (): Promise<boolean> => {
      for await (const batch of connector.read({ get: (s) => checkpoints.get(s) }, controller.signal)) {
        const ingestedAt = Date.now();
        for (const record of batch.records) {
          pass.records++;
          if (record.fields) this.sourceFields.push({ location: record.location, fields: record.fields });
          const outcome = recordOutcome(record, this.map, ingestedAt);
          if (outcome.event) pass.events.push({ location: record.location, event: outcome.event });
          else pass.refused.push({ location: record.location, refusal: outcome.refusal });
        }
        checkpoints.set(batch.stream, batch.checkpoint);
        await batch.afterCommit?.();
        pass.batches++;
        if (how.stopAfter !== undefined && pass.batches >= how.stopAfter) return false;
        if (controller.signal.aborted) return false;
      }
      return true;
    };
    const run = async () => {
      for (;;) {
        const caughtUp = await drain();
        if (!caughtUp || !how.feed || fed) return;
        feeding ??= how.feed().then(
          () => ((fed = true), wake.abort()),
          (err) => ((feedError = err), (fed = true), wake.abort()),
        );
        if (fed) continue; // one more read() for what came with the last answers
        if (connector.waitForData) await connector.waitForData(wake.signal, 1000);
        else await new Promise((r) => setTimeout(r, 50));
        if (wake.signal.aborted) wake = new AbortController();
      }
    };
    try {
      await Promise.race([run(), hang]);
      await feeding;
      if (feedError) throw feedError;
    } finally {
      clearTimeout(timer);
      controller.abort();
      await connector.close?.();
    }
    return pass;
  }

  /**
   * Records to add after the restart: the sample's own, made new records by changing the values of the
   * columns that identify them (recordId, caseId: a suffix, or + 1,000,000), so their event ids differ.
   */
  private async extraRecords(): Promise<Fields[]> {
    if (!this.canAdd) return [];
    const records = await this.type.sampleRecords(this.settings, this.samplePath);
    const m = this.d.mapping;
    const rules = [m.caseId, m.kind, m.channel, m.deliveryMethod, m.itemCode, ...Object.values(m.attributes)];
    // A column whose values are looked up (环节 → kind) must keep them.
    const coded = new Set(rules.flatMap((r) => (r && 'column' in r && r.values ? [r.column] : [])));
    const keep = new Set([...mappedColumns(m), ...this.d.personalData.drop, ...this.d.personalData.hmac]);
    const idColumns = new Set([...(m.recordId ?? []), ...('column' in m.caseId ? [m.caseId.column] : [])].filter((c) => !coded.has(c)));
    return records
      .filter((r) => r.fields !== undefined)
      .map((r) => {
        // Only what the mapping reads and the personal columns: the type's add() gives the rest as its
        // source would for new data (sql-poll: a new id and a later updatedAt).
        const fields: Fields = Object.fromEntries(Object.entries(r.fields!).filter(([c]) => keep.has(c)));
        for (const c of idColumns) {
          const v = fields[c];
          if (typeof v === 'string' && v !== '') fields[c] = `${v}-r`;
          else if (typeof v === 'number') fields[c] = v + 1_000_000;
        }
        return fields;
      });
  }
}

function byId(events: KitEvent[]): Map<string, KitEvent> {
  return new Map(events.map((e) => [e.event.eventId, e]));
}

/** How two reads of the same sample differ (empty: same event ids, same events). */
function compareEvents(a: KitEvent[], b: KitEvent[]): string[] {
  const out: string[] = [];
  const ma = byId(a);
  const mb = byId(b);
  for (const [id, e] of ma) {
    const other = mb.get(id);
    if (!other) out.push(`${e.location}: event ${id} of the first read is not in the second (its id is not stable across reads: name recordId columns)`);
    else if (JSON.stringify(caseEventToJson(e.event)) !== JSON.stringify(caseEventToJson(other.event))) out.push(`${e.location}: event ${id} differs between reads`);
  }
  for (const [id, e] of mb) if (!ma.has(id)) out.push(`${e.location}: event ${id} of the second read is not in the first`);
  if (a.length !== b.length) out.push(`the first read gave ${a.length} event(s), the second ${b.length}`);
  return out;
}

/** A personal value long enough that finding it in an event is not chance (a 1-character code would be). */
function distinctive(value: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(value) ? value.length >= 4 : value.length >= 2;
}

/** Departments a mapped departmentCode may name: the project's registry and the files beside this one. */
function declaredNear(file: string): ReadonlyMap<string, string> {
  return new Map([...registryNames(), ...registryNames(path.dirname(path.resolve(file)))]);
}
