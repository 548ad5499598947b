/**
 * The whole group as `casepipe figures` and `casepipe status` see it: the workers in the registry
 * (<exports>/workers), each asked over its admin URL. Figures add up across partitions (a case, with
 * all its copies, lives in one partition), so the group's figures are the sum of every worker's figures
 * over the partitions it owns. Two workers claiming one partition (a rebalance under way) count it
 * once, from the later generation; a partition its owner is still replaying into its store (restoring,
 * restoring-partitions.ts) is not counted; partitions nobody counted are listed as missing.
 */
import { emptyFigures, FIGURE_KEYS, type DepartmentFigures, type Month, type MonthFigures } from '../figures/window-figures.js';
import { readWorkers, type WorkerEntry } from './export-folder.js';
import type { Ownership } from './partition-export.js';

export interface WorkerAnswer<T> {
  worker: WorkerEntry;
  answer?: T;
  error?: string;
}

async function askAll<T>(workers: WorkerEntry[], route: string, timeoutMs: number): Promise<WorkerAnswer<T>[]> {
  return Promise.all(
    workers.map(async (worker) => {
      if (!worker.url) return { worker, error: 'no admin URL registered' };
      try {
        const res = await fetch(`${worker.url}${route}`, { signal: AbortSignal.timeout(timeoutMs) });
        if (!res.ok) return { worker, error: `HTTP ${res.status}` };
        return { worker, answer: (await res.json()) as T };
      } catch (err) {
        return { worker, error: String((err as Error).cause ?? err) };
      }
    }),
  );
}

export interface GroupFigures {
  figures: MonthFigures;
  /** Partition → the worker whose figures counted it. */
  counted: Record<number, string>;
  /** Partition → the worker that owns it but has not caught up on it since it was assigned (not counted). */
  restoring: Record<number, string>;
  /** Workers that did not answer (dead, or stopping), with why. */
  unreachable: { worker: string; error: string }[];
}

/** What a worker answers on GET /group/figures: figures over `partitions`; `restoring` is owned but left out. */
export type OwnedFigures = { figures: MonthFigures } & Ownership & { restoring?: number[] };

/**
 * Adds up owned-partition figures: each partition counted once, from the highest generation that
 * claims it (as counted or as restoring).
 */
export function addGroupFigures(
  month: Month,
  answers: { worker: string; owned: OwnedFigures }[],
): { figures: MonthFigures; counted: Record<number, string>; restoring: Record<number, string> } {
  const sorted = [...answers].sort((a, b) => (b.owned.generation ?? -1) - (a.owned.generation ?? -1));
  const counted: Record<number, string> = {};
  const restoring: Record<number, string> = {};
  const claimed = new Set<number>();
  const total = emptyFigures();
  const departments = new Map<string, DepartmentFigures>();
  for (const a of sorted) {
    const claims = [...a.owned.partitions, ...(a.owned.restoring ?? [])];
    // A worker whose partitions a later generation already claims is mid-rebalance: skip it whole,
    // since its figures cannot be split by partition.
    if (claims.some((p) => claimed.has(p))) continue;
    for (const p of claims) claimed.add(p);
    for (const p of a.owned.partitions) counted[p] = a.worker;
    for (const p of a.owned.restoring ?? []) restoring[p] = a.worker;
    for (const k of FIGURE_KEYS) total[k] += a.owned.figures.total[k];
    for (const d of a.owned.figures.departments) {
      const sum = departments.get(d.departmentCode) ?? { departmentCode: d.departmentCode, departmentName: d.departmentName, figures: emptyFigures() };
      for (const k of FIGURE_KEYS) sum.figures[k] += d.figures[k];
      departments.set(d.departmentCode, sum);
    }
  }
  return { figures: { month, total, departments: [...departments.values()].sort((a, b) => a.departmentCode.localeCompare(b.departmentCode)) }, counted, restoring };
}

export async function groupFigures(exportsDir: string, month: Month, timeoutMs = 30_000): Promise<GroupFigures> {
  const answers = await askAll<OwnedFigures>(readWorkers(exportsDir), `/group/figures?month=${month}`, timeoutMs);
  const ok = answers.filter((a) => a.answer !== undefined).map((a) => ({ worker: a.worker.worker, owned: a.answer! }));
  return {
    ...addGroupFigures(month, ok),
    unreachable: answers.filter((a) => a.error !== undefined).map((a) => ({ worker: a.worker.worker, error: a.error! })),
  };
}

export interface GroupStatus {
  workers: {
    worker: string;
    url: string | undefined;
    partitions: number[];
    generation: number | undefined;
    ready: boolean | null;
    error?: string;
    storedOffsets?: Record<string, string>;
    /** Owned partitions the worker is still replaying into its store (not counted yet). */
    restoring?: number[];
  }[];
}

export async function groupStatus(exportsDir: string, timeoutMs = 10_000): Promise<GroupStatus> {
  const answers = await askAll<{ ready: boolean; assigned: number[]; storedOffsets: Record<string, string>; restoring?: number[] }>(readWorkers(exportsDir), '/status', timeoutMs);
  return {
    workers: answers.map((a) => ({
      worker: a.worker.worker,
      url: a.worker.url,
      partitions: a.answer?.assigned ?? a.worker.partitions,
      generation: a.worker.generation,
      ready: a.answer?.ready ?? null,
      ...(a.error ? { error: a.error } : {}),
      ...(a.answer?.restoring?.length ? { restoring: a.answer.restoring } : {}),
      ...(a.answer ? { storedOffsets: Object.fromEntries(Object.entries(a.answer.storedOffsets).filter(([p]) => a.answer!.assigned.includes(Number(p)))) } : {}),
    })),
  };
}

export function formatGroupStatus(s: GroupStatus, partitionCount: number | undefined): string {
  const out = ['casepipe worker group'];
  const owned = new Set<number>();
  for (const w of s.workers) {
    for (const p of w.partitions) owned.add(p);
    out.push(`  ${w.worker.padEnd(28)} ${w.ready === null ? 'UNREACHABLE' : w.ready ? 'READY      ' : 'NOT READY  '} generation ${w.generation ?? '-'}  partitions ${w.partitions.join(',') || 'none'}${w.restoring ? ` (restoring ${w.restoring.join(',')})` : ''}  ${w.url ?? ''}${w.error ? `  (${w.error})` : ''}`);
  }
  if (partitionCount !== undefined) {
    const missing = Array.from({ length: partitionCount }, (_, i) => i).filter((p) => !owned.has(p));
    out.push(missing.length === 0 ? `  all ${partitionCount} partitions owned` : `  PARTITIONS WITHOUT AN OWNER: ${missing.join(',')}`);
  }
  return out.join('\n');
}
