/**
 * POST /snapshots on the worker's admin port: `{"month": "YYYY-MM", "force": false}` snapshots the
 * month through the worker's snapshot runner (serialized with the schedule's runs). The admin server
 * has already checked the token and that the body is JSON. At most one such request is queued or
 * running at a time; another gets 409 with the month it waits for, so callers cannot pile up jobs.
 * `force` is passed to the runner, which refuses open, future and empty months without it.
 */
import type { FastifyInstance } from 'fastify';
import { isMonth } from '../contract/month.js';
import type { Month } from '../figures/window-figures.js';
import type { SnapshotOutcome } from '../snapshot/monthly-snapshot.js';
import { isCasepipeError } from '../platform/errors.js';
import { MONTH_REFUSALS } from '../snapshot/snapshot-eligibility.js';
import { refuse } from './admin-server.js';

export interface SnapshotRequest {
  month: Month;
  force: boolean;
}

export type RunSnapshot = (month: Month, options: { force: boolean }) => Promise<SnapshotOutcome>;

const FIELDS = new Set(['month', 'force']);

/** The request, or why the body is not one. */
export function parseSnapshotRequest(body: unknown): SnapshotRequest | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'the body must be a JSON object {"month": "YYYY-MM", "force": false}';
  const unknown = Object.keys(body).filter((k) => !FIELDS.has(k));
  if (unknown.length > 0) return `unknown field(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')}; the body takes "month" and "force"`;
  const { month, force = false } = body as { month?: unknown; force?: unknown };
  if (typeof month !== 'string' || !isMonth(month)) return `"month" must be "YYYY-MM", got ${JSON.stringify(month ?? null)}`;
  if (typeof force !== 'boolean') return `"force" must be true or false, got ${JSON.stringify(force)}`;
  return { month, force };
}

export function registerSnapshotRoute(app: FastifyInstance, run: RunSnapshot): void {
  let pending: { month: Month; since: Date } | undefined;
  app.post('/snapshots', async (req, reply) => {
    const request = parseSnapshotRequest(req.body);
    if (typeof request === 'string') return refuse(reply, 400, 'ADMIN_BAD_REQUEST', request);
    if (pending !== undefined) {
      return refuse(reply, 409, 'SNAPSHOT_BUSY', `a snapshot of ${pending.month} asked for at ${pending.since.toISOString()} is still queued or running; ask again when it has finished`);
    }
    pending = { month: request.month, since: new Date() };
    try {
      return await run(request.month, { force: request.force });
    } catch (err) {
      if (isCasepipeError(err) && MONTH_REFUSALS.has(err.code)) return refuse(reply, 409, err.code, err.message);
      throw err;
    } finally {
      pending = undefined;
    }
  });
}
