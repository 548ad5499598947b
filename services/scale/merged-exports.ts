/**
 * The month source of a snapshot across several workers: the newest export of every partition
 * (services/scale/export-folder.ts), checked against the topic's end offsets taken at snapshot time
 * and merged into the same Parquet tables the one-worker snapshot copies out of its live store.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Month } from '../figures/window-figures.js';
import { CasepipeError } from '../platform/errors.js';
import { COPIED_TABLES, deadLettersSql, qualitySql, sqlString, summarizeCopiedMonth, type LagReading, type MonthSource } from '../snapshot/monthly-snapshot.js';
import { listExports, newestExport, type ExportRef } from './export-folder.js';

export interface PartitionEnd {
  partition: number;
  /** High watermark: the offset after the last record at snapshot time. */
  high: string;
  low: string;
}

export interface PartitionPick {
  partition: number;
  export: ExportRef | undefined;
  /** Records up to the end offset the export does not cover. */
  lag: number;
}

/** The export that counts for each partition, and how far each is behind the end offsets. */
export function pickExports(exportsDir: string, month: Month, ends: PartitionEnd[]): { picks: PartitionPick[]; lag: LagReading } {
  const picks = [...ends]
    .sort((a, b) => a.partition - b.partition)
    .map((end) => {
      const chosen = newestExport(listExports(exportsDir, month, end.partition));
      const covered = chosen ? BigInt(chosen.manifest.offset) : BigInt(end.low);
      const behind = BigInt(end.high) - covered;
      return { partition: end.partition, export: chosen, lag: Number(behind > 0n ? behind : 0n) };
    });
  return { picks, lag: { total: picks.reduce((s, p) => s + p.lag, 0), partitions: picks.map((p) => ({ partition: p.partition, lag: p.lag })) } };
}

/** A MonthSource over the picked exports (one in-memory DuckDB reading their Parquet files). */
export function mergedMonthSource(picks: PartitionPick[], topic: string): MonthSource {
  return {
    async copyMonth(month, folder, firstQuality) {
      const chosen = picks.filter((p) => p.export !== undefined).map((p) => p.export!);
      if (chosen.length === 0) throw new CasepipeError('SNAPSHOT_FAILED', `no worker has exported ${month} yet (no partition has an export in the exports folder)`);
      const files = (t: string) => `[${chosen.map((e) => sqlString(path.join(e.folder, `${t}.parquet`))).join(', ')}]`;
      const m = sqlString(month);
      const instance = await DuckDBInstance.create(':memory:', { preserve_insertion_order: 'false' });
      const conn = await instance.connect();
      try {
        const out = (t: (typeof COPIED_TABLES)[number]) => sqlString(path.join(folder, `${t}.parquet`));
        const copy = (t: (typeof COPIED_TABLES)[number], select: string) => conn.run(`COPY (${select}) TO ${out(t)} (FORMAT parquet, COMPRESSION zstd)`);
        await copy('milestones', `SELECT * FROM read_parquet(${files('milestones')})`);
        await copy('consultations', `SELECT * FROM read_parquet(${files('consultations')})`);
        await copy('case_durations', `SELECT * FROM read_parquet(${files('case_durations')})`);
        await conn.run(`CREATE TABLE quality_counts AS SELECT ${m} AS month, * FROM read_parquet(${files('quality')})`);
        await copy('quality', qualitySql(m, firstQuality));
        await copy('dead_letters', deadLettersSql(m));
        const offsets = chosen
          .map((e) => `(${sqlString(topic)}, ${e.manifest.partition}, ${BigInt(e.manifest.offset)}, ${sqlString(e.manifest.exportedAt)}::TIMESTAMPTZ)`)
          .join(', ');
        await conn.run(`CREATE TABLE partition_offsets (topic VARCHAR, partition INTEGER, next_offset BIGINT, updated_at TIMESTAMPTZ)`);
        await conn.run(`INSERT INTO partition_offsets VALUES ${offsets}`);
        await copy('partition_offsets', 'SELECT * FROM partition_offsets ORDER BY partition');
        for (const t of COPIED_TABLES) if (!fs.existsSync(path.join(folder, `${t}.parquet`))) throw new Error(`${t}.parquet was not written`);
        return await summarizeCopiedMonth(conn, folder);
      } finally {
        conn.closeSync();
        instance.closeSync();
      }
    },
  };
}
