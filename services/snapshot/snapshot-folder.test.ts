/**
 * Publishing a snapshot folder: every file read-only and fsynced, then the folder, before the rename
 * that publishes it; then the month folder, so the rename itself is durable.
 */
import { jest } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { publishFolder } from './snapshot-folder.js';

describe('publishFolder', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-publish-'));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fsyncs each file and the folder before the rename, and the parent after it', () => {
    const tmp = path.join(dir, '2025-08', '.tmp-1');
    fs.mkdirSync(tmp, { recursive: true });
    for (const n of ['a.parquet', 'manifest.json']) fs.writeFileSync(path.join(tmp, n), n);
    const events: string[] = [];
    const opened = new Map<number, string>();
    const openSync = fs.openSync;
    jest.spyOn(fs, 'openSync').mockImplementation(((p: fs.PathLike, flags: fs.OpenMode) => {
      const fd = openSync(p, flags);
      opened.set(fd, path.relative(dir, String(p)));
      return fd;
    }) as typeof fs.openSync);
    const fsyncSync = fs.fsyncSync;
    jest.spyOn(fs, 'fsyncSync').mockImplementation((fd: number) => {
      events.push(`fsync ${opened.get(fd)}`);
      fsyncSync(fd);
    });
    const renameSync = fs.renameSync;
    jest.spyOn(fs, 'renameSync').mockImplementation((from: fs.PathLike, to: fs.PathLike) => {
      events.push(`rename ${path.relative(dir, String(from))} -> ${path.relative(dir, String(to))}`);
      renameSync(from, to);
    });

    publishFolder(tmp, path.join(dir, '2025-08', 'v1'));

    expect(events).toEqual([
      'fsync 2025-08/.tmp-1/a.parquet',
      'fsync 2025-08/.tmp-1/manifest.json',
      'fsync 2025-08/.tmp-1',
      'rename 2025-08/.tmp-1 -> 2025-08/v1',
      'fsync 2025-08',
    ]);
    for (const n of ['a.parquet', 'manifest.json']) expect(fs.statSync(path.join(dir, '2025-08', 'v1', n)).mode & 0o777).toBe(0o444);
  });
});
