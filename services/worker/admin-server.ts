/**
 * The worker's HTTP endpoints for operators and for CLI commands that must not open the store file
 * while the worker holds it (DuckDB allows one writer): /livez, /readyz, /metrics, /status, /figures.
 * Routes that need the store go through the worker's own connection.
 *
 * Who may call (docs/admin-port.md): every request must name the worker by its bind address, localhost
 * or a configured host (a DNS-rebinding page names its own domain), and a request from a browser page
 * must come from the worker's own origin (same host and port). Every route other than GET/HEAD changes state and needs the
 * admin token as `Authorization: Bearer` and a JSON body: a cross-site page cannot send
 * `application/json` without a CORS preflight, which this server never grants. Without a configured
 * token those routes are refused.
 */
import crypto from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { isMonth } from '../contract/month.js';
import type { MonthFigures } from '../figures/window-figures.js';
import type { Config } from '../platform/config.js';
import { isCasepipeError, type ErrorCode } from '../platform/errors.js';
import type { NotReadyReason } from './readiness.js';

export interface AdminDeps {
  registry: Registry;
  /** Liveness: the process is not wedged (the event loop answers). */
  live: () => boolean;
  /** Why the worker is not ready (services/worker/readiness.ts); empty when ready. */
  notReady: () => NotReadyReason[];
  status: () => Promise<Record<string, unknown>>;
  figures: (month: string) => Promise<MonthFigures>;
  /** The bind address, the other host names requests may use, and the token for state-changing routes. */
  access: Config['admin'];
  /** Extra routes (e.g. snapshots) registered by the process that owns them. */
  extend?: (app: FastifyInstance) => void;
}

/** Largest JSON body a state-changing route takes. */
const BODY_LIMIT = 64 * 1024;

export function refuse(reply: FastifyReply, status: number, code: ErrorCode, message: string): FastifyReply {
  return reply.code(status).send({ code, message });
}

export function buildAdminServer(deps: AdminDeps): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT });
  const hosts = allowedHosts(deps.access);
  const token = deps.access.token === undefined ? undefined : digest(deps.access.token);

  // Before the body is read: a refused request is never parsed.
  app.addHook('onRequest', async (req, reply) => {
    const host = hostName(req.headers.host);
    if (host === undefined || !hosts.has(host)) {
      return refuse(reply, 403, 'ADMIN_HOST_REFUSED', `Host ${JSON.stringify(req.headers.host ?? '')} is not this worker: use its bind address, localhost or a name in CASEPIPE_ADMIN_ALLOWED_HOSTS`);
    }
    const origin = req.headers.origin;
    if (origin !== undefined && originHost(origin) !== req.headers.host?.toLowerCase()) {
      return refuse(reply, 403, 'ADMIN_ORIGIN_REFUSED', `requests from the page ${JSON.stringify(origin)} are refused`);
    }
    if (req.method === 'GET' || req.method === 'HEAD') return;
    if (token === undefined) {
      return refuse(reply, 403, 'ADMIN_TOKEN_NOT_CONFIGURED', 'state-changing routes are off: start the worker with CASEPIPE_ADMIN_TOKEN (or CASEPIPE_ADMIN_TOKEN_FILE) and send it as Authorization: Bearer <token>');
    }
    if (!bearerMatches(req, token)) {
      reply.header('www-authenticate', 'Bearer');
      return refuse(reply, 401, 'ADMIN_UNAUTHORIZED', 'this route needs the admin token as Authorization: Bearer <token> (CASEPIPE_ADMIN_TOKEN or CASEPIPE_ADMIN_TOKEN_FILE)');
    }
    if (mediaType(req.headers['content-type']) !== 'application/json') {
      return refuse(reply, 415, 'ADMIN_BAD_REQUEST', `the body must be application/json, got ${JSON.stringify(req.headers['content-type'] ?? 'none')}`);
    }
  });
  // Replaces fastify's JSON parser, whose message does not say what is wrong with the body.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, body === '' ? undefined : JSON.parse(body as string));
    } catch (err) {
      done(Object.assign(new Error(`the body is not valid JSON: ${(err as Error).message}`), { statusCode: 400 }));
    }
  });

  app.get('/livez', async (_req, reply) => reply.code(deps.live() ? 200 : 503).send({ live: deps.live() }));
  app.get('/readyz', async (_req, reply) => {
    const reasons = deps.notReady();
    return reply.code(reasons.length === 0 ? 200 : 503).send({ ready: reasons.length === 0, reasons });
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
    // fastify's own refusals (bad JSON, body too large, unknown content type) are the client's.
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) return refuse(reply, status, 'ADMIN_BAD_REQUEST', (err as Error).message);
    return reply.code(500).send({ code: 'INTERNAL', message: String(err) });
  });
  deps.extend?.(app);
  return app;
}

/** Lower-case host names a request may be addressed to; a wildcard bind address names no host. */
function allowedHosts(access: Config['admin']): Set<string> {
  const hosts = new Set(['localhost', '127.0.0.1', '::1', ...access.allowedHosts]);
  if (access.host !== '0.0.0.0' && access.host !== '::') hosts.add(access.host.toLowerCase());
  return hosts;
}

/** The name in a Host header without its port ("[::1]:9464" → "::1"). */
function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const h = header.toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') < 0 ? undefined : h.indexOf(']'));
  return h.replace(/:\d*$/, '');
}

/** host[:port] of a web origin, as a Host header names it; undefined for "null" and anything not http(s). */
function originHost(origin: string): string | undefined {
  try {
    const url = new URL(origin);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.host : undefined;
  } catch {
    return undefined;
  }
}

function mediaType(header: string | undefined): string | undefined {
  return header?.split(';')[0].trim().toLowerCase();
}

function digest(text: string): Buffer {
  return crypto.createHash('sha256').update(text, 'utf8').digest();
}

/** Constant time: both sides are hashed to the same length before the comparison. */
function bearerMatches(req: FastifyRequest, token: Buffer): boolean {
  const match = /^Bearer +(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match !== null && crypto.timingSafeEqual(digest(match[1]), token);
}
