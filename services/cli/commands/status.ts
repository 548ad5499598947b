import type { Command } from 'commander';
import { CasepipeError } from '../../platform/errors.js';
import { readWorkers } from '../../scale/export-folder.js';
import { formatGroupStatus, groupStatus } from '../../scale/group-view.js';
import type { StatusSummary } from '../../worker/operator-status.js';
import type { CliContext } from '../context.js';

export function registerStatusCommand(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description("the running worker's health for people: readiness, lag, departments (stale ones first), dead letters, snapshots; exit 2 when something needs attention")
    .option('--json', 'print the worker’s /status JSON')
    .action(async (opts: { json?: boolean }) => {
      const exportsDir = ctx.config.scaleOut.exportsDir;
      if (exportsDir && readWorkers(exportsDir).length > 0) {
        const group = await groupStatus(exportsDir);
        console.log(opts.json ? JSON.stringify(group, null, 2) : formatGroupStatus(group, undefined));
        if (group.workers.some((w) => w.ready !== true)) process.exitCode = 2;
        return;
      }
      const base = `http://127.0.0.1:${ctx.config.workerPort}`;
      let summary: StatusSummary;
      try {
        const res = await fetch(`${base}/status`, { signal: AbortSignal.timeout(10_000) });
        summary = (await res.json()) as StatusSummary;
      } catch (err) {
        throw new CasepipeError('WORKER_UNAVAILABLE', `no worker answers on ${base} (CASEPIPE_WORKER_PORT): start one with \`casepipe worker\` (${String((err as Error).cause ?? err)})`, {
          cause: err,
          canRetry: true,
        });
      }
      console.log(opts.json ? JSON.stringify(summary, null, 2) : formatStatus(summary, base, Date.now()));
      if (needsAttention(summary)) process.exitCode = 2;
    });
}

export function needsAttention(s: StatusSummary): boolean {
  return !s.ready || s.departments.some((d) => d.stale) || s.lag.unexpectedMembers.length > 0;
}

function ago(iso: string | null, now: number): string {
  if (!iso) return 'never';
  return `${duration((now - Date.parse(iso)) / 1000)} ago`;
}

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

/** The status page's summary as terminal lines. */
export function formatStatus(s: StatusSummary, base: string, now: number): string {
  const out: string[] = [];
  out.push(`casepipe worker  ${s.ready ? 'READY' : 'NOT READY'}`);
  for (const r of s.notReady) out.push(`  ${r.code}: ${r.message} (since ${ago(r.since, now)})`);
  out.push(`  group ${s.groupId}  topic ${s.topic}  partitions ${s.assigned.join(',') || 'none'}  members ${s.lag.members.length}`);
  for (const m of s.lag.unexpectedMembers) out.push(`  UNEXPECTED MEMBER ${m.memberId} (${m.clientId} at ${m.clientHost}): another worker shares the partitions`);
  out.push(`  throughput ${s.throughput.eventsPerSecond} events/s  lag ${s.lag.total} records${s.lag.refreshedAt ? ` (read ${ago(s.lag.refreshedAt, now)})` : ''}${s.lag.error ? `  end offsets unavailable: ${s.lag.error}` : ''}`);
  out.push(`  store ${(s.store.fileBytes / 1048576).toFixed(1)} MiB, ${s.store.milestones} milestones, ${s.store.consultations} consultations`);

  out.push('', 'lag per partition');
  out.push(`  ${'partition'.padStart(9)} ${'end'.padStart(10)} ${'stored'.padStart(10)} ${'lag'.padStart(8)}  oldest waiting`);
  for (const p of s.lag.partitions) {
    out.push(`  ${String(p.partition).padStart(9)} ${p.end.padStart(10)} ${p.stored.padStart(10)} ${String(p.lag).padStart(8)}  ${p.lag > 0 ? duration(p.oldestAgeSeconds) : '-'}`);
  }

  out.push('', 'departments');
  const depts = [...s.departments].sort((a, b) => Number(b.stale) - Number(a.stale) || a.code.localeCompare(b.code));
  if (depts.length === 0) out.push('  none declared or seen');
  for (const d of depts) {
    out.push(`  ${(d.stale ? 'STALE' : 'ok').padEnd(5)}  ${d.code.padEnd(10)} last data ${ago(d.lastEventAt, now).padEnd(12)} cadence ${duration(d.cadenceSeconds)}${d.declared ? '' : ' (default)'}  ${d.name}`);
  }

  out.push('', 'dead letters by reason');
  if (s.deadLetters.length === 0) out.push('  none');
  for (const d of s.deadLetters) out.push(`  ${d.reason.padEnd(26)} ${String(d.count).padStart(8)}`);

  out.push('', 'snapshots');
  if (s.snapshots.versions.length === 0) out.push('  none yet');
  for (const v of s.snapshots.versions) {
    out.push(`  ${v.month} v${v.version}  ${v.provisional ? 'PROVISIONAL' : 'final      '}  ${v.createdAt}  ${base}${v.report}`);
  }
  for (const r of s.snapshots.runs.slice(0, 5)) out.push(`  run ${r.month} ${r.outcome}${r.version ? ` v${r.version}` : ''} in ${r.seconds.toFixed(1)} s${r.error ? `: ${r.error}` : ''}`);
  return out.join('\n');
}
