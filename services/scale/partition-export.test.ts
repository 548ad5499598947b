import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from '@jest/globals';
import { silentLogger } from '../platform/logger.js';
import { readWorkers } from './export-folder.js';
import { PartitionExporter } from './partition-export.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-partition-export-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('PartitionExporter registry entry', () => {
  it('is not written again by a poll that was still running when the worker left', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const exporter = new PartitionExporter({
      // The poll reads the store's months: held here until the worker has left.
      connect: async () => {
        await gate;
        return instance.connect();
      },
      exportsDir: dir,
      topic: 't',
      worker: 'w1',
      ownership: () => ({ partitions: [0, 1], generation: 3, memberId: 'm1' }),
      url: () => 'http://127.0.0.1:1',
      logger: silentLogger(),
    });
    exporter.onAssignment();
    expect(readWorkers(dir).map((w) => w.worker)).toEqual(['w1']);
    const polling = exporter.poll();
    await exporter.stop();
    exporter.leave();
    expect(readWorkers(dir)).toEqual([]);
    open();
    await polling;
    expect(readWorkers(dir)).toEqual([]);
    instance.closeSync();
  });
});
