/**
 * The worker's side of scale-out: what this worker owns (partitions and the group generation it got
 * them in), its entry in the group registry, the per-partition month exports the scheduler merges,
 * and figures over the owned partitions only.
 *
 * Reads the live store only through its public views `milestones` and `consultations` (each row has
 * its `partition`) and the `partition_offsets` and `quality_counts` tables. Rows of partitions the
 * worker no longer owns stay in its store (if the partition comes back, the worker resumes from its
 * own stored offset, a replay of only what it missed), but they are never exported or counted here.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { readMonthFigures } from '../figures/month-figures.js';
import type { Month, MonthFigures } from '../figures/window-figures.js';
import type { Logger } from '../platform/logger.js';
import {
  exportFolderName,
  partitionDir,
  pendingRequests,
  pruneExports,
  workerFile,
  writeJsonAtomically,
  type ExportManifest,
  type WorkerEntry,
} from './export-folder.js';

export interface Ownership {
  partitions: number[];
  generation: number | undefined;
  memberId: string | undefined;
}

export interface PartitionExporterOptions {
  /** A read connection on the live store. */
  connect: () => Promise<DuckDBConnection>;
  exportsDir: string;
  topic: string;
  worker: string;
  ownership: () => Ownership;
  /**
   * Owned partitions whose store has not caught up since they were assigned (restoring-partitions.ts):
   * not exported and not counted until they have. Default: none.
   */
  restoring?: () => Promise<number[]>;
  url: () => string | undefined;
  logger: Logger;
  /** How often export requests are looked for and the registry entry refreshed (default 2 s). */
  pollMs?: number;
}

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** The domain columns of the views, in the store's order (its bookkeeping columns are not exported). */
const MILESTONE_COLUMNS =
  'partition, case_id, kind, month, event_time, event_id, channel, delivery_method, department_code, department_name, item_code, source_system, source_record_id, copies';
const CONSULTATION_COLUMNS = 'partition, department_code, record_id, month, event_time, event_id, channel, department_name, source_system, source_record_id, copies';

export class PartitionExporter {
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** month → the request time this worker last answered, in which generation, and for which partitions. */
  private readonly answered = new Map<Month, { requestedAt: string; generation: number | undefined; partitions: Set<number> }>();
  private months: Month[] = [];
  private monthsReadAt = 0;
  /** Set by leave(): the entry is not written again. */
  private left = false;

  constructor(private readonly opts: PartitionExporterOptions) {
    this.log = opts.logger.child({ component: 'partition-export' });
  }

  start(): void {
    const tick = () => {
      this.timer = setTimeout(() => {
        this.poll()
          .catch((err) => this.log.warn({ err }, 'export poll failed; trying again'))
          .finally(() => this.timer !== undefined && tick());
      }, this.opts.pollMs ?? 2000);
    };
    tick();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.queue.catch(() => undefined);
  }

  /** Called on every group join (the hook after an assignment): the registry says at once who owns what. */
  onAssignment(): void {
    this.monthsReadAt = 0; // other partitions, other months
    this.writeEntry();
  }

  /**
   * Answers the scheduler's requests, then refreshes this worker's registry entry. A restoring
   * partition is answered later, once its store has caught up; the scheduler waits for it.
   */
  async poll(): Promise<void> {
    const own = this.opts.ownership();
    for (const request of pendingRequests(this.opts.exportsDir)) {
      let done = this.answered.get(request.month);
      if (!done || done.requestedAt < request.requestedAt || done.generation !== own.generation) {
        done = { requestedAt: request.requestedAt, generation: own.generation, partitions: new Set() };
        this.answered.set(request.month, done);
      }
      const restoring = new Set(await this.restoring());
      const due = own.partitions.filter((p) => !done.partitions.has(p) && !restoring.has(p));
      if (due.length === 0) continue;
      for (const m of await this.exportMonth(request.month, request.requestedAt, due)) done.partitions.add(m.partition);
    }
    if (Date.now() - this.monthsReadAt > 10_000) {
      this.months = await this.monthsWithData().catch(() => this.months);
      this.monthsReadAt = Date.now();
    }
    this.writeEntry();
  }

  writeEntry(): void {
    // A poll still running when the worker stopped (reading the store's months) must not write the
    // entry again after leave() removed it: the registry would list a cleanly stopped worker.
    if (this.left) return;
    const own = this.opts.ownership();
    const entry: WorkerEntry = {
      worker: this.opts.worker,
      url: this.opts.url(),
      memberId: own.memberId,
      generation: own.generation,
      partitions: own.partitions,
      monthsWithData: this.months,
      updatedAt: new Date().toISOString(),
    };
    try {
      writeJsonAtomically(workerFile(this.opts.exportsDir, this.opts.worker), entry);
    } catch (err) {
      this.log.warn({ err }, 'could not write the group registry entry');
    }
  }

  /** Removes this worker's registry entry (a clean stop). */
  leave(): void {
    this.left = true;
    fs.rmSync(workerFile(this.opts.exportsDir, this.opts.worker), { force: true });
  }

  private restoring(): Promise<number[]> {
    return this.opts.restoring?.() ?? Promise.resolve([]);
  }

  /**
   * Exports month M of the partitions this worker owns now and has caught up on (of `only`, when
   * given); serialized with other exports.
   */
  exportMonth(month: Month, answers?: string, only?: number[]): Promise<ExportManifest[]> {
    const job = this.queue.then(async () => {
      const own = this.opts.ownership();
      if (own.generation === undefined) return [];
      const restoring = new Set(await this.restoring());
      const out: ExportManifest[] = [];
      for (const partition of own.partitions) {
        if (restoring.has(partition) || (only && !only.includes(partition))) continue;
        const m = await this.exportPartition(month, partition, own, answers);
        if (m) out.push(m);
      }
      return out;
    });
    this.queue = job.catch(() => undefined);
    return job;
  }

  /**
   * One partition's month rows and its stored offset, read in one transaction (so the rows are exactly
   * the state at that offset), written to a temporary folder and published by a rename, unless the
   * partition left this worker (or the generation changed) meanwhile: then the export is dropped.
   */
  private async exportPartition(month: Month, partition: number, own: Ownership, answers: string | undefined): Promise<ExportManifest | undefined> {
    const dir = partitionDir(this.opts.exportsDir, month, partition);
    fs.mkdirSync(dir, { recursive: true });
    const tmp = fs.mkdtempSync(path.join(dir, `.tmp-${this.opts.worker.replace(/[^A-Za-z0-9_.-]/g, '_')}-`));
    const file = (t: string) => sqlString(path.join(tmp, `${t}.parquet`));
    const m = sqlString(month);
    const conn = await this.opts.connect();
    try {
      let offset = '0';
      await conn.run('BEGIN TRANSACTION');
      try {
        const rows = (await conn.runAndReadAll(`SELECT next_offset FROM partition_offsets WHERE topic = ${sqlString(this.opts.topic)} AND partition = ${partition}`)).getRows();
        if (rows.length > 0) offset = String(rows[0][0]);
        const copy = (t: string, select: string) => conn.run(`COPY (${select}) TO ${file(t)} (FORMAT parquet, COMPRESSION zstd)`);
        await copy('milestones', `SELECT ${MILESTONE_COLUMNS}, to_timestamp(event_time / 1000) AS event_at FROM milestones WHERE partition = ${partition} AND month = ${m}`);
        await copy('consultations', `SELECT ${CONSULTATION_COLUMNS}, to_timestamp(event_time / 1000) AS event_at FROM consultations WHERE partition = ${partition} AND month = ${m}`);
        // All copies of a case live in its partition, so its reception is here too.
        await copy(
          'case_durations',
          `SELECT c.case_id, c.department_code, c.department_name, c.item_code, c.channel,
                  to_timestamp(r.event_time / 1000) AS received_at, to_timestamp(c.event_time / 1000) AS completed_at,
                  round((c.event_time - r.event_time) / 86400000.0, 2) AS days
           FROM (SELECT * FROM milestones WHERE partition = ${partition} AND kind = 'COMPLETED' AND month = ${m}) c
           JOIN (SELECT * FROM milestones WHERE partition = ${partition} AND kind = 'RECEIVED') r ON r.case_id = c.case_id`,
        );
        await copy('quality', `SELECT metric, department_code, reason, n FROM quality_counts WHERE partition = ${partition} AND month = ${m}`);
      } finally {
        await conn.run('COMMIT').catch(() => undefined);
      }
      const counts: Record<string, number> = {};
      for (const t of ['milestones', 'consultations', 'case_durations', 'quality']) {
        counts[t] = Number((await conn.runAndReadAll(`SELECT count(*) FROM read_parquet(${file(t)})`)).getRows()[0][0]);
      }
      const now = this.opts.ownership();
      if (now.generation !== own.generation || !now.partitions.includes(partition)) {
        this.log.info({ month, partition }, 'the partition moved during its export; the export is dropped');
        return undefined;
      }
      const manifest: ExportManifest = {
        month,
        topic: this.opts.topic,
        partition,
        offset,
        generation: own.generation!,
        worker: this.opts.worker,
        memberId: own.memberId ?? '',
        exportedAt: new Date().toISOString(),
        ...(answers ? { answers } : {}),
        rows: counts,
      };
      fs.writeFileSync(path.join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      const target = path.join(dir, exportFolderName(manifest));
      fs.rmSync(target, { recursive: true, force: true }); // the same state exported again
      fs.renameSync(tmp, target);
      pruneExports(this.opts.exportsDir, month, partition);
      this.log.debug({ month, partition, offset, generation: own.generation }, 'partition exported');
      return manifest;
    } finally {
      conn.closeSync();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }

  /** Months with rows in the owned partitions. */
  async monthsWithData(): Promise<Month[]> {
    const owned = this.opts.ownership().partitions;
    if (owned.length === 0) return [];
    const list = owned.join(', ');
    return this.read(async (conn) =>
      (
        await conn.runAndReadAll(
          `SELECT month FROM milestones WHERE partition IN (${list}) UNION SELECT month FROM consultations WHERE partition IN (${list})
           UNION SELECT month FROM quality_counts WHERE partition IN (${list}) ORDER BY month`,
        )
      )
        .getRows()
        .map((r) => String(r[0])),
    );
  }

  /**
   * The month's figures over the owned partitions this worker has caught up on (figures.sql on views
   * narrowed to them); `partitions` lists those, `restoring` the owned ones left out.
   */
  async ownedFigures(month: Month): Promise<{ figures: MonthFigures } & Ownership & { restoring: number[] }> {
    const own = this.opts.ownership();
    const restoring = new Set(await this.restoring());
    const counted = own.partitions.filter((p) => !restoring.has(p));
    const figures = await this.read(async (conn) => {
      const db = String((await conn.runAndReadAll('SELECT current_database()')).getRows()[0][0]);
      const list = counted.length > 0 ? counted.join(', ') : 'NULL';
      // Temporary views of this connection only, shadowing the store's views of the same names.
      for (const v of ['milestones', 'consultations']) {
        await conn.run(`CREATE OR REPLACE TEMP VIEW ${v} AS SELECT * FROM "${db.replaceAll('"', '""')}".main.${v} WHERE partition IN (${list})`);
      }
      return readMonthFigures(conn, month);
    });
    return { figures, ...own, partitions: counted, restoring: own.partitions.filter((p) => restoring.has(p)) };
  }

  private async read<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const conn = await this.opts.connect();
    try {
      return await fn(conn);
    } finally {
      conn.closeSync();
    }
  }
}
