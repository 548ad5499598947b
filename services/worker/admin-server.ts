/**
 * The worker's HTTP endpoints for operators and for CLI commands that must not open the store file
 * while the worker holds it (DuckDB allows one writer): /livez, /readyz, /metrics, /status, /figures.
 * Routes that need the store go through the worker's own connection.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { isMonth } from '../contract/month.js';
import type { MonthFigures } from '../figures/window-figures.js';
import { isCasepipeError } from '../platform/errors.js';

export interface AdminDeps {
  registry: Registry;
  /** Liveness: the process is not wedged (the event loop answers). */
  live: () => boolean;
  /** Readiness: joined the consumer group and the store takes batches. */
  ready: () => boolean;
  /** Why not ready, when the worker knows (e.g. STORE_DISK_FULL); /readyz answers it with the 503. */
  notReadyReason?: () => { code: string; message: string } | undefined;
  status: () => Promise<Record<string, unknown>>;
  figures: (month: string) => Promise<MonthFigures>;
  /** Extra routes (e.g. snapshots) registered by the process that owns them. */
  extend?: (app: FastifyInstance) => void;
}

export function buildAdminServer(deps: AdminDeps): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get('/livez', async (_req, reply) => reply.code(deps.live() ? 200 : 503).send({ live: deps.live() }));
  app.get('/readyz', async (_req, reply) => {
    if (deps.ready()) return reply.code(200).send({ ready: true });
    const reason = deps.notReadyReason?.();
    return reply.code(503).send(reason ? { ready: false, reason } : { ready: false });
  });
  app.get('/metrics', async (_req, reply) => reply.type(deps.registry.contentType).send(await deps.registry.metrics()));
  app.get('/status', async () => deps.status());
  app.get<{ Querystring: { month?: string } }>('/figures', async (req, reply) => {
    const month = req.query.month ?? '';
    if (!isMonth(month)) return reply.code(400).send({ code: 'BAD_MONTH', message: `month must be YYYY-MM, got ${JSON.stringify(month)}` });
    return deps.figures(month);
  });
  app.setErrorHandler((err, _req, reply) => {
    if (isCasepipeError(err)) return reply.code(500).send({ code: err.code, message: err.message });
    return reply.code(500).send({ code: 'INTERNAL', message: String(err) });
  });
  deps.extend?.(app);
  return app;
}
