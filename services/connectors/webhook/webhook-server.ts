/**
 * One fastify server per host and port, shared by every webhook department of the process, each on
 * POST /webhooks/<code>. Chosen over a port per department: one port to open in the firewall and to
 * put behind the reverse proxy however many departments push, and a department added to the registry
 * needs no new port. A department's endpoint exists while its connector runs (404 otherwise); the
 * server closes with the last one.
 *
 * Bodies are read raw (the signature is over the exact bytes). A Content-Length over the department's
 * limit is refused with 413 before the body is read; a chunked body is read up to the largest limit
 * the server knows and checked after.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { CasepipeError } from '../../platform/errors.js';

export interface WebhookReply {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

export interface WebhookEndpoint {
  maxBodyBytes: number;
  handle(headers: Record<string, string | string[] | undefined>, body: Buffer): Promise<WebhookReply>;
}

const HARD_BODY_LIMIT = 64 * 1024 * 1024;
const servers = new Map<string, WebhookServer>();

export class WebhookServer {
  private readonly endpoints = new Map<string, WebhookEndpoint>();
  private readonly app: FastifyInstance;
  private listening?: Promise<void>;

  private constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    this.app = Fastify({ logger: false, bodyLimit: HARD_BODY_LIMIT });
    this.app.removeAllContentTypeParsers();
    this.app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    this.app.addHook('onRequest', async (req, reply) => {
      const endpoint = this.endpoints.get((req.params as { code?: string }).code ?? '');
      const length = Number(req.headers['content-length'] ?? NaN);
      if (endpoint && length > endpoint.maxBodyBytes) {
        await reply.code(413).header('connection', 'close').send({ error: `the body is ${length} bytes, over the limit of ${endpoint.maxBodyBytes}` });
      }
    });
    this.app.setErrorHandler(async (err: Error & { statusCode?: number }, _req, reply) => {
      const status = err.statusCode === 413 ? 413 : (err.statusCode ?? 500) < 500 ? err.statusCode! : 500;
      // A 500 is ours: its details go to no sender.
      await reply.code(status).send({ error: status === 413 ? 'the body is over the size limit' : status === 500 ? 'internal error' : err.message });
    });
    this.app.post('/webhooks/:code', async (req, reply) => {
      const code = (req.params as { code: string }).code;
      const endpoint = this.endpoints.get(code);
      if (!endpoint) return reply.code(404).send({ error: `no webhook department ${code} runs here` });
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (body.length > endpoint.maxBodyBytes) return reply.code(413).send({ error: `the body is ${body.length} bytes, over the limit of ${endpoint.maxBodyBytes}` });
      const out = await endpoint.handle(req.headers, body);
      return reply.code(out.status).headers(out.headers ?? {}).send(out.body);
    });
  }

  /** The server for host:port, listening; the endpoint of `code` added to it. */
  static async attach(host: string, port: number, code: string, endpoint: WebhookEndpoint): Promise<WebhookServer> {
    const key = `${host}:${port}`;
    let server = servers.get(key);
    if (!server) {
      server = new WebhookServer(host, port);
      servers.set(key, server);
    }
    if (server.endpoints.has(code)) throw new CasepipeError('SOURCE_UNAVAILABLE', `webhook /webhooks/${code} is already served on ${key} by this process`);
    server.endpoints.set(code, endpoint);
    try {
      await server.listen();
    } catch (err) {
      server.endpoints.delete(code);
      if (server.endpoints.size === 0) servers.delete(key);
      throw err;
    }
    return server;
  }

  /** Removes the endpoint; the last one closes the server. */
  async detach(code: string): Promise<void> {
    this.endpoints.delete(code);
    if (this.endpoints.size > 0) return;
    servers.delete(`${this.host}:${this.port}`);
    await this.app.close();
  }

  /** The address actually bound (port 0 asks for a free one). */
  address(): { host: string; port: number } {
    const a = this.app.server.address() as AddressInfo;
    return { host: a.address, port: a.port };
  }

  private listen(): Promise<void> {
    this.listening ??= this.app.listen({ host: this.host, port: this.port }).then(
      () => undefined,
      (cause: NodeJS.ErrnoException) => {
        this.listening = undefined;
        const why = cause.code === 'EADDRINUSE' ? 'the port is taken' : cause.message;
        throw new CasepipeError('SOURCE_UNAVAILABLE', `webhook endpoint cannot listen on ${this.host}:${this.port}: ${why} (set source.port or CASEPIPE_WEBHOOK_PORT)`, { cause });
      },
    );
    return this.listening;
  }
}
