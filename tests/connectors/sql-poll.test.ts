/**
 * sql-poll from the machine's real PostgreSQL and MariaDB to the real broker, through the runtime
 * (`runConnectors`, as `casepipe connectors run --once` calls it) with the real SCJGJ.yaml: 100 of
 * 230 rows share one updated_at across page boundaries (pages of 40) and every row becomes its event,
 * once, with Beijing wall time read right and the personal columns never published. A second run
 * after more rows (some sharing the last updated_at, with higher ids) is a restart from the stored
 * checkpoint: exactly the new rows, no gap, no duplicate.
 */
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { decodeCaseEvent } from '../../services/contract/codec.js';
import { runConnectors } from '../../services/connectors/connector-runtime.js';
import { silentLogger } from '../../services/platform/logger.js';
import { testKafka } from '../fixtures/broker.js';
import { connectorPipeline, readTopic } from './connector-fixtures.js';
import { bjxxRows, createBjxx, expectedBjxxEvent, insertBjxx, scjgjDepartment, scratchDb, type Driver } from './sql-fixtures.js';

describe.each<Driver>(['postgres', 'mysql'])('sql-poll from %s to the broker', (driver) => {
  it('publishes every row once across equal timestamps and resumes from the checkpoint after a restart', async () => {
    const kafka = testKafka();
    const p = await connectorPipeline(kafka, `sql-${driver}`);
    const db = await scratchDb(driver, driver === 'postgres' ? 'pg' : 'my');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-sql-poll-'));
    try {
      const table = await createBjxx(db);
      // ids 1..230: 1-60 one second apart, 61-160 all at one instant, 161-230 after it.
      const second = (n: number) => new Date(Date.UTC(2025, 7, 20, 10, 0, n)).toISOString().replace('T', ' ').replace('.000Z', '');
      const at = (i: number) => (i <= 60 ? `${second(i)}.${String(i).padStart(6, '0')}` : i <= 160 ? `${second(300)}.000000` : `${second(300 + i)}.000000`);
      const first = bjxxRows(1, 230, at);
      // Inserted out of id order, as concurrent writers do.
      await insertBjxx(db, driver, table, [...first].reverse());
      const department = scjgjDepartment(db, dir, { pageSize: 40 });
      const run = () => runConnectors({ kafka, topics: p.connectorTopics, departments: [department], logger: silentLogger(), once: true, signal: new AbortController().signal });

      const [one] = await run();
      expect(one).toEqual({ department: 'SCJGJ', batches: 6, read: 230, published: 230, deadLettered: 0, refused: {}, personalDropped: 0, personalHashed: 0 });

      // More rows: five at the last instant already read (ids above it), five later.
      const more = [...bjxxRows(231, 5, () => at(230)), ...bjxxRows(236, 5, () => '2025-08-21 08:00:00.000000')];
      await insertBjxx(db, driver, table, more);
      const [two] = await run();
      expect(two).toMatchObject({ department: 'SCJGJ', published: 10, deadLettered: 0 });

      const records = await readTopic(kafka, p.topics.caseEvents);
      const events = records.map((r) => decodeCaseEvent(r.value).event);
      const expected = [...first, ...more].map(expectedBjxxEvent);
      expect(events.map((e) => e.eventId).sort()).toEqual(expected.map((e) => e.eventId).sort()); // each exactly once
      const byId = new Map(events.map((e) => [e.eventId, e]));
      for (const want of [expected[0], expected[100], expected[234]]) expect(byId.get(want.eventId)).toEqual(want);
      const text = records.map((r) => r.value!.toString('latin1')).join('');
      expect(text).not.toContain(Buffer.from('510107198001101003').toString('latin1'));
      expect(text).not.toContain(Buffer.from('张伟').toString('latin1'));
      expect(await readTopic(kafka, p.topics.deadLetters)).toHaveLength(0);
    } finally {
      await db.drop();
      fs.rmSync(dir, { recursive: true, force: true });
      p.cleanup();
    }
  }, 180_000);
});
