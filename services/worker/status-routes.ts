/**
 * The admin server's pages for people: the status page at / and each snapshot version's report.md,
 * read-only. Month and version are checked against their patterns before any path is built.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { isMonth } from '../contract/month.js';
import { versionFolder } from '../snapshot/snapshot-folder.js';
import { statusPageHtml } from './status-page.js';

export function registerStatusRoutes(app: FastifyInstance, snapshotsDir: string): void {
  const page = statusPageHtml();
  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page));
  app.get<{ Params: { month: string; version: string } }>('/snapshots/:month/:version/report.md', async (req, reply) => {
    const { month, version } = req.params;
    const v = /^v([1-9]\d{0,5})$/.exec(version);
    if (!isMonth(month) || !v) return reply.code(404).send({ code: 'SNAPSHOT_NOT_FOUND', message: `no snapshot ${month}/${version}` });
    const file = path.join(versionFolder(snapshotsDir, month, Number(v[1])), 'report.md');
    if (!fs.existsSync(file)) return reply.code(404).send({ code: 'SNAPSHOT_NOT_FOUND', message: `no snapshot ${month}/${version}` });
    return reply.type('text/markdown; charset=utf-8').send(fs.createReadStream(file));
  });
}
