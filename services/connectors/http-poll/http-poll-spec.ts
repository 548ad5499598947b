import { z } from 'zod';
import { secretRefSpec } from '../secrets.js';

const cursorPaging = z
  .object({
    mode: z.literal('cursor'),
    cursorPath: z.string().min(1).describe('where the next cursor is in the response (a dotted JSON path); absent, null or empty: this was the last page').meta({ examples: ['data.nextCursor', 'next'] }),
    cursorParam: z.string().min(1).default('cursor').describe('query parameter the cursor is sent in'),
  })
  .strict()
  .describe('cursor paging: each response names the next page');

const pagePaging = z
  .object({
    mode: z.literal('page'),
    pageParam: z.string().min(1).default('page').describe('query parameter of the page number'),
    sizeParam: z.string().min(1).default('pageSize').describe('query parameter of the page size'),
    size: z.number().int().min(1).max(10_000).default(100).describe('items asked per page; a page with fewer (or none) is the last'),
    firstPage: z.number().int().min(0).default(1).describe('number of the first page (0 or 1)'),
  })
  .strict()
  .describe('page-number paging: pages are asked in turn until an empty or short page');

const TIME_FORMAT_DOC = 'iso (ISO-8601 with a zone; sent as UTC), epoch-ms, epoch-s, or a yyyy MM dd HH mm ss pattern read and written in timeZone';

export const httpPollSpec = z
  .object({
    type: z.literal('http-poll'),
    baseUrl: z.url({ protocol: /^https?$/ }).describe('the API root, http(s)').meta({ examples: ['https://gat-api.example.gov.cn', 'http://10.1.2.3:8080'] }),
    path: z.string().startsWith('/').default('/').describe('the endpoint listing the records, below baseUrl').meta({ examples: ['/api/v1/cases'] }),
    query: z.record(z.string(), z.string()).default({}).describe('fixed query parameters sent with every request').meta({ examples: [{ status: 'all' }] }),
    itemsPath: z.string().default('').describe("where the items are in the response (a dotted JSON path); '' when the response is the array itself").meta({ examples: ['data.items', 'records'] }),
    idField: z
      .string()
      .optional()
      .describe("item field (dotted path) identifying a record when the mapping names no recordId columns; default: the item's content hash (an item that changes is then a new record: declare mapping.recordId)")
      .meta({ examples: ['id'] }),
    paging: z.discriminatedUnion('mode', [cursorPaging, pagePaging]).describe('how pages follow each other').meta({ examples: [{ mode: 'page', pageParam: 'page', sizeParam: 'size', size: 200 }, { mode: 'cursor', cursorPath: 'data.nextCursor', cursorParam: 'cursor' }] }),
    incremental: z
      .object({
        param: z.string().min(1).describe('query parameter asking for records updated since a time').meta({ examples: ['updatedSince'] }),
        field: z.string().min(1).describe('item field (dotted path) holding the record\'s update time').meta({ examples: ['updatedAt'] }),
        format: z.string().min(1).default('iso').describe(`how the time is written, in the field and the parameter: ${TIME_FORMAT_DOC}`).meta({ examples: ['iso', 'yyyy-MM-dd HH:mm:ss'] }),
        timeZone: z.string().default('Asia/Shanghai').describe('the API\'s time zone for a pattern format (IANA name)'),
        overlapSeconds: z.number().int().min(0).default(300).describe('each pass asks from the newest update time seen minus this, so a record committed late with a slightly older time is still read (re-reads are harmless: event ids derive from the record)'),
        initial: z.string().optional().describe('the time asked for on the very first pass (same format); default: no parameter, everything').meta({ examples: ['2025-01-01T00:00:00+08:00'] }),
      })
      .strict()
      .optional()
      .describe('incremental reads: without it every poll resumes at the last page (cursor or page number) it reached, which suits an append-only list'),
    headers: z.record(z.string(), z.string()).default({}).describe('plain (not secret) request headers').meta({ examples: [{ Accept: 'application/json' }] }),
    authHeaders: z
      .record(z.string(), z.object({ secret: secretRefSpec, prefix: z.string().default('').describe("written before the secret, e.g. 'Bearer '") }).strict())
      .default({})
      .describe('request headers whose values are secrets (a token, an API key), named by env variable or file, never written here')
      .meta({ examples: [{ Authorization: { secret: { env: 'CASEPIPE_GAT_API_TOKEN' }, prefix: 'Bearer ' } }] }),
    timeoutSeconds: z.number().positive().max(600).default(30).describe('a request with no complete response by then is abandoned and retried'),
    maxPages: z.number().int().min(1).default(1000).describe('at most this many pages per poll; the next poll resumes where this one stopped'),
    pollSeconds: z.number().positive().default(60).describe('how often the API is asked for new records'),
  })
  .strict()
  .refine((s) => s.paging.mode !== 'cursor' || s.itemsPath !== '', { message: 'cursor paging needs the items inside an object (set itemsPath, e.g. data.items)', path: ['itemsPath'] })
  .describe('http-poll: a paged JSON API (cursor or page number), polled; 429 and 5xx are retried with backoff honouring Retry-After, per stream checkpoints resume a pass after a restart');
export type HttpPollSettings = z.infer<typeof httpPollSpec>;
