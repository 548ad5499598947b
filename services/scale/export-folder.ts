/**
 * The shared exports location (CASEPIPE_EXPORTS_DIR): a folder every worker and the scheduler reach
 * (local for one machine, a shared filesystem for several). Layout:
 *
 *   <exports>/<month>/p<N>/g<generation>-o<offset>-<worker>/   one partition's month rows, published whole
 *       milestones.parquet consultations.parquet case_durations.parquet quality.parquet manifest.json
 *   <exports>/requests/<month>.json                            the scheduler asks every owner for a fresh export
 *   <exports>/workers/<worker>.json                            who holds which partitions, and its admin URL
 *
 * An export folder is written under a temporary name and renamed into place (atomic on one
 * filesystem), so a reader sees it whole or not at all.
 *
 * Which export of a partition counts (`newestExport`): the highest consumer-group generation, then the
 * highest offset. A worker exports only partitions the group gave it in its current generation, so an
 * export of a later generation is the current owner's: a stale copy from a worker the partition left
 * (or a zombie that has not noticed yet) can never win over it, even when it covers more offsets.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isMonth } from '../contract/month.js';
import type { Month } from '../figures/window-figures.js';

export const EXPORT_TABLES = ['milestones', 'consultations', 'case_durations', 'quality'] as const;

export interface ExportManifest {
  month: Month;
  topic: string;
  partition: number;
  /** The partition's stored next offset the rows are exactly the state at. */
  offset: string;
  /** The consumer-group generation in which the worker owned the partition. */
  generation: number;
  worker: string;
  memberId: string;
  exportedAt: string;
  /** The scheduler's request this export answers (its requestedAt), if any: no clocks compared. */
  answers?: string;
  rows: Record<string, number>;
}

export interface ExportRef {
  folder: string;
  manifest: ExportManifest;
}

const pad = (n: bigint | number, width: number) => String(n).padStart(width, '0');

export function exportFolderName(m: Pick<ExportManifest, 'generation' | 'offset' | 'worker'>): string {
  return `g${pad(m.generation, 10)}-o${pad(BigInt(m.offset), 20)}-${m.worker.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

export function partitionDir(exportsDir: string, month: Month, partition: number): string {
  return path.join(exportsDir, month, `p${partition}`);
}

/** Every complete export of one partition's month (folders without a manifest are ignored). */
export function listExports(exportsDir: string, month: Month, partition: number): ExportRef[] {
  const dir = partitionDir(exportsDir, month, partition);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: ExportRef[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const folder = path.join(dir, name);
    try {
      out.push({ folder, manifest: JSON.parse(fs.readFileSync(path.join(folder, 'manifest.json'), 'utf8')) as ExportManifest });
    } catch {
      // pruned while we listed, or not an export
    }
  }
  return out;
}

/** (generation, offset, exportedAt) order: positive when a is newer. */
export function compareExports(a: ExportManifest, b: ExportManifest): number {
  if (a.generation !== b.generation) return a.generation - b.generation;
  const ao = BigInt(a.offset);
  const bo = BigInt(b.offset);
  if (ao !== bo) return ao > bo ? 1 : -1;
  return a.exportedAt.localeCompare(b.exportedAt);
}

/** The export that counts for a partition: highest generation, then highest offset. */
export function newestExport<T extends { manifest: ExportManifest }>(exports: T[]): T | undefined {
  let best: T | undefined;
  for (const e of exports) if (!best || compareExports(e.manifest, best.manifest) > 0) best = e;
  return best;
}

/** Partitions with an export directory for the month. */
export function exportedPartitions(exportsDir: string, month: Month): number[] {
  try {
    return fs
      .readdirSync(path.join(exportsDir, month))
      .filter((n) => /^p\d+$/.test(n))
      .map((n) => Number(n.slice(1)))
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}

/** Writes a file atomically: a temporary beside it, then a rename. */
export function writeJsonAtomically(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  fs.writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

/** Keeps the `keep` newest exports of a partition's month and removes the rest (readers hold none for long). */
export function pruneExports(exportsDir: string, month: Month, partition: number, keep = 3): void {
  const all = listExports(exportsDir, month, partition).sort((a, b) => compareExports(b.manifest, a.manifest));
  for (const old of all.slice(keep)) fs.rmSync(old.folder, { recursive: true, force: true });
}

export interface ExportRequest {
  month: Month;
  requestedAt: string;
}

export function requestFile(exportsDir: string, month: Month): string {
  return path.join(exportsDir, 'requests', `${month}.json`);
}

export function requestExports(exportsDir: string, month: Month, now = new Date()): ExportRequest {
  const request = { month, requestedAt: now.toISOString() };
  writeJsonAtomically(requestFile(exportsDir, month), request);
  return request;
}

export function withdrawRequest(exportsDir: string, request: ExportRequest): void {
  const file = requestFile(exportsDir, request.month);
  try {
    const now = JSON.parse(fs.readFileSync(file, 'utf8')) as ExportRequest;
    if (now.requestedAt === request.requestedAt) fs.rmSync(file, { force: true });
  } catch {
    // already gone
  }
}

export function pendingRequests(exportsDir: string): ExportRequest[] {
  return readJsonFiles<ExportRequest>(path.join(exportsDir, 'requests'), (n) => isMonth(n.slice(0, -5)));
}

/**
 * Every `*.json` file of a folder that `wanted` accepts, parsed; none when the folder is missing. A file
 * that does not parse is being replaced right now (writes are temp file + rename) and is left out.
 */
function readJsonFiles<T>(dir: string, wanted: (name: string) => boolean): T[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const out: T[] = [];
  for (const n of names) {
    if (!n.endsWith('.json') || n.startsWith('.') || !wanted(n)) continue;
    try {
      out.push(JSON.parse(fs.readFileSync(path.join(dir, n), 'utf8')) as T);
    } catch {
      // being replaced
    }
  }
  return out;
}

/** A worker's entry in the group registry. */
export interface WorkerEntry {
  worker: string;
  /** Its admin server, for `casepipe figures` and `status` across the group. */
  url: string | undefined;
  memberId: string | undefined;
  generation: number | undefined;
  partitions: number[];
  monthsWithData: Month[];
  updatedAt: string;
}

export function workerFile(exportsDir: string, worker: string): string {
  return path.join(exportsDir, 'workers', `${worker.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
}

export function readWorkers(exportsDir: string): WorkerEntry[] {
  return readJsonFiles<WorkerEntry>(path.join(exportsDir, 'workers'), () => true).sort((a, b) => a.worker.localeCompare(b.worker));
}
