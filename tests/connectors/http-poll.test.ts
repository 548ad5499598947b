/**
 * http-poll through the runtime to the real broker, against a local API the test starts that
 * misbehaves: a 503 then OK, a 429 with Retry-After (the next try waits at least that long), a page
 * slower than the timeout then OK; the page limit stops a poll and the next run resumes at the
 * checkpointed page; the incremental pass after it asks updatedSince = newest seen minus the overlap.
 * Then an API that repeats a page (ignores the page number), one whose cursor does not advance, and
 * one that is unreachable, run together: the first two stop their pass without publishing a page
 * twice, the third is reported and does not stop the others.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { runConnectors } from '../../services/connectors/connector-runtime.js';
import type { Department } from '../../services/departments/department-file.js';
import { silentLogger } from '../../services/platform/logger.js';
import { testKafka } from '../fixtures/broker.js';
import { connectorPipeline, readTopic, type ConnectorPipeline } from './connector-fixtures.js';
import { freePort, gatEventId, gatItems, patchedDepartment, topicEvents, type GatItem } from './http-fixtures.js';

const kafka = testKafka();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Seen {
  path: string;
  at: number;
  query: URLSearchParams;
  auth?: string;
}

/** A local API; `answer` decides each response (after the request is logged). */
async function startApi(answer: (url: URL, res: http.ServerResponse) => Promise<void> | void) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    seen.push({ path: url.pathname, at: Date.now(), query: url.searchParams, auth: req.headers.authorization });
    Promise.resolve(answer(url, res)).catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { seen, baseUrl, close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }) };
}

const json = (res: http.ServerResponse, body: unknown): void => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));

function run(p: ConnectorPipeline, departments: Department[]) {
  return runConnectors({ kafka, topics: p.connectorTopics, departments, logger: silentLogger(), once: true, signal: new AbortController().signal });
}

describe('http-poll through the runtime to the broker', () => {
  it('retries 5xx, 429 (after its Retry-After) and a slow page, resumes at the checkpointed page, and asks incrementally with the overlap', async () => {
    const p = await connectorPipeline(kafka, 'http-poll');
    let items: GatItem[] = gatItems('H', 10);
    const faults = new Map<number, string[]>([
      [1, ['503']],
      [2, ['429']],
      [3, ['slow']],
    ]);
    const api = await startApi(async (url, res) => {
      const page = Number(url.searchParams.get('pageNo'));
      const size = Number(url.searchParams.get('pageSize'));
      const fault = faults.get(page)?.shift();
      if (fault === '503') return void res.writeHead(503).end('upstream busy');
      if (fault === '429') return void res.writeHead(429, { 'retry-after': '1' }).end();
      if (fault === 'slow') await sleep(2500); // beyond timeoutSeconds: 1; the client has given up
      const since = url.searchParams.get('updatedSince');
      const list = since === null ? items : items.filter((i) => i.updatedAt >= since);
      json(res, { code: 0, data: { total: list.length, items: list.slice((page - 1) * size, page * size) } });
    });
    const tokenFile = path.join(p.dataDir, 'gat-token');
    fs.writeFileSync(tokenFile, 'test-token\n');
    const gat = patchedDepartment(p.departmentsDir, 'GAT', 'GAT', {
      baseUrl: api.baseUrl,
      paging: { mode: 'page', pageParam: 'pageNo', sizeParam: 'pageSize', size: 3, firstPage: 1 },
      incremental: { param: 'updatedSince', field: 'updatedAt', format: 'yyyy-MM-dd HH:mm:ss', timeZone: 'Asia/Shanghai', overlapSeconds: 120 },
      authHeaders: { Authorization: { secret: { file: tokenFile }, prefix: 'Bearer ' } },
      timeoutSeconds: 1,
      maxPages: 2,
    });
    try {
      // Run 1: pages 1 and 2 (page limit), through a 503 and a 429.
      const [first] = await run(p, [gat]);
      expect(first).toMatchObject({ department: 'GAT', published: 6, deadLettered: 0 });
      expect(first.error).toBeUndefined();
      const pagesAsked = api.seen.map((s) => s.query.get('pageNo'));
      expect(pagesAsked).toEqual(['1', '1', '2', '2']);
      expect(api.seen.every((s) => s.auth === 'Bearer test-token' && s.path === '/api/v1/case-milestones')).toBe(true);
      expect(api.seen[3].at - api.seen[2].at).toBeGreaterThanOrEqual(950); // Retry-After: 1

      // Run 2 (a restart): resumes at page 3, retries the slow page, ends the pass on the short page 4.
      api.seen.length = 0;
      const [second] = await run(p, [gat]);
      expect(second).toMatchObject({ published: 4, deadLettered: 0 });
      expect(api.seen.map((s) => s.query.get('pageNo'))).toEqual(['3', '3', '4']);
      expect(api.seen.every((s) => s.query.get('updatedSince') === null)).toBe(true);

      // Run 3: two new records; the pass asks from the newest update time seen (10:09) minus 120 s.
      items = [...items, ...gatItems('H', 2, 10)];
      api.seen.length = 0;
      const [third] = await run(p, [gat]);
      expect(api.seen.map((s) => [s.query.get('pageNo'), s.query.get('updatedSince')])).toEqual([
        ['1', '2025-09-01 10:07:00'],
        ['2', '2025-09-01 10:07:00'],
      ]);
      expect(third).toMatchObject({ published: 5 }); // 10:07..10:11: three re-read in the overlap, two new

      const events = await topicEvents(kafka, p.topics.caseEvents);
      expect(events).toHaveLength(6 + 4 + 5);
      expect(new Set(events.map((e) => e.eventId))).toEqual(new Set(items.map(gatEventId)));
      expect(events.find((e) => e.sourceRecordId === 'H-5')).toMatchObject({ departmentCode: 'GAT', departmentName: '公安厅', kind: 'DELIVERED', deliveryMethod: 'MAIL', caseId: 'GA-H-1' });
      // Nothing personal of the items reached the topic.
      const bytes = Buffer.concat((await readTopic(kafka, p.topics.caseEvents)).map((r) => r.value!)).toString('latin1');
      for (const i of items) expect(bytes).not.toContain((i.applicant as { idNumber: string }).idNumber);
    } finally {
      await api.close();
      p.cleanup();
    }
  }, 120_000);

  it('ends a pass on a repeated page or a cursor that does not advance, publishing nothing twice, and reports an unreachable API without stopping the others', async () => {
    const p = await connectorPipeline(kafka, 'http-poll-bad');
    const repeated = gatItems('R', 3);
    const cursorPages = [gatItems('C', 3), gatItems('C', 3, 3)];
    const api = await startApi((url, res) => {
      if (url.pathname === '/ignores-page') return json(res, { data: { items: repeated } }); // every page number: the same full page
      const cursor = url.searchParams.get('cursor');
      json(res, { data: { items: cursorPages[cursor === null ? 0 : 1], next: 'c-1' } }); // the cursor never moves past c-1
    });
    const closedPort = await freePort();
    const departments = [
      patchedDepartment(p.departmentsDir, 'GAT', 'GATR', { baseUrl: api.baseUrl, path: '/ignores-page', incremental: undefined, authHeaders: {}, paging: { mode: 'page', pageParam: 'pageNo', sizeParam: 'pageSize', size: 3 } }),
      patchedDepartment(p.departmentsDir, 'GAT', 'GATC', { baseUrl: api.baseUrl, path: '/cursor', incremental: undefined, authHeaders: {}, paging: { mode: 'cursor', cursorPath: 'data.next', cursorParam: 'cursor' } }),
      patchedDepartment(p.departmentsDir, 'GAT', 'GATX', { baseUrl: `http://127.0.0.1:${closedPort}`, authHeaders: {} }, { limits: { concurrency: 1, retries: 1 } }),
    ];
    try {
      const summaries = await run(p, departments);
      const by = new Map(summaries.map((s) => [s.department, s]));
      expect(by.get('GATR')).toMatchObject({ published: 3, deadLettered: 0 });
      expect(by.get('GATR')!.error).toBeUndefined();
      expect(by.get('GATC')).toMatchObject({ published: 6, deadLettered: 0 });
      expect(by.get('GATC')!.error).toBeUndefined();
      expect(by.get('GATX')!.error).toEqual({ code: 'SOURCE_UNAVAILABLE', message: expect.stringContaining('connection refused') });
      expect(api.seen.filter((s) => s.path === '/ignores-page')).toHaveLength(2);
      expect(api.seen.filter((s) => s.path === '/cursor').map((s) => s.query.get('cursor'))).toEqual([null, 'c-1']);

      const events = await topicEvents(kafka, p.topics.caseEvents);
      const want = [...repeated, ...cursorPages.flat()].map(gatEventId);
      expect(events.map((e) => e.eventId).sort()).toEqual(want.sort()); // each once
    } finally {
      await api.close();
      p.cleanup();
    }
  }, 120_000);
});
