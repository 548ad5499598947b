/**
 * Admin routes of a worker in a group (read-only): GET /group (what it owns, in which generation) and
 * GET /group/figures?month=M (figures over its owned partitions only), which `casepipe figures` and
 * `casepipe status` add up across the workers in the registry (services/scale/group-view.ts).
 */
import type { FastifyInstance } from 'fastify';
import { isMonth } from '../contract/month.js';
import type { PartitionExporter } from './partition-export.js';

export function registerGroupRoutes(app: FastifyInstance, exporter: PartitionExporter): void {
  app.get('/group/figures', async (req, reply) => {
    const month = (req.query as { month?: string }).month ?? '';
    if (!isMonth(month)) return reply.code(400).send({ code: 'BAD_MONTH', message: `month must be YYYY-MM, got ${JSON.stringify(month)}` });
    return exporter.ownedFigures(month);
  });
}
