import { z } from 'zod';
import { secretRefSpec } from '../secrets.js';

export const DEFAULT_WEBHOOK_HOST = '127.0.0.1';
export const DEFAULT_WEBHOOK_PORT = 8090;

export const webhookSpec = z
  .object({
    type: z.literal('webhook'),
    secret: secretRefSpec.describe('the HMAC-SHA256 key shared with the sending system (env variable or file), never written here').meta({
      examples: [{ env: 'CASEPIPE_MZT_WEBHOOK_SECRET' }, { file: '/run/secrets/mzt-webhook-secret' }],
    }),
    host: z
      .string()
      .min(1)
      .optional()
      .describe(`address the endpoint listens on; default CASEPIPE_WEBHOOK_HOST, else ${DEFAULT_WEBHOOK_HOST} (behind the TLS-terminating reverse proxy). Departments with the same host and port share one server, each on /webhooks/<code>`)
      .meta({ examples: ['0.0.0.0'] }),
    port: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .optional()
      .describe(`port of the endpoint; default CASEPIPE_WEBHOOK_PORT, else ${DEFAULT_WEBHOOK_PORT}`)
      .meta({ examples: [8090] }),
    maxBodyBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024).describe('a request body over this many bytes is refused with 413'),
    maxItems: z.number().int().min(1).max(100_000).default(1000).describe('a request with more items is refused with 400 (send several requests)'),
    replayWindowSeconds: z
      .number()
      .int()
      .min(10)
      .max(3600)
      .default(300)
      .describe('a request whose X-Casepipe-Timestamp is further than this from now, or whose signature was already accepted within it, is refused with 401'),
    replySeconds: z.number().positive().max(600).default(30).describe('a request whose events are not acknowledged by Kafka by then gets 503 (the sender retries; re-sent items keep their event ids)'),
  })
  .strict()
  .describe('webhook: the department pushes JSON items to POST /webhooks/<code>, signed with HMAC-SHA256 over "<timestamp>.<body>"; the reply is 2xx only after Kafka acknowledged the events');
export type WebhookSettings = z.infer<typeof webhookSpec>;
