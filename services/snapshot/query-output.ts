/**
 * Writes a query's rows as they arrive: CSV, one JSON object per line, or an aligned table. CSV and
 * JSON hold no rows back. The table takes its column widths from the first TABLE_SAMPLE rows, so it
 * too holds at most that many; a later, wider value pushes its line out of alignment.
 */
import type { Writable } from 'node:stream';
import type { Json } from '@duckdb/node-api';
import type { QuerySink } from './snapshot-query.js';

export type QueryFormat = 'table' | 'csv' | 'json';

export const TABLE_SAMPLE = 1000;

const cell = (v: Json | undefined) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));
const csvCell = (v: Json | undefined) => {
  const s = cell(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};
// Wide characters (Chinese) take two columns in a terminal.
const width = (s: string) => [...s].reduce((n, ch) => n + (/[\u1100-\uffef]/.test(ch) ? 2 : 1), 0);
const pad = (s: string, w: number) => s + ' '.repeat(Math.max(0, w - width(s)));

/** One error listener per stream, however many queries write to it (the prompt's stdout). */
const streams = new WeakMap<Writable, { closed: boolean; failed?: Error }>();

function streamState(out: Writable): { closed: boolean; failed?: Error } {
  let state = streams.get(out);
  if (state === undefined) {
    const s: { closed: boolean; failed?: Error } = { closed: false };
    // A reader that went away (`casepipe query … | head`) ends the output; any other error fails it.
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') s.closed = true;
      else s.failed = err;
    });
    streams.set(out, (state = s));
  }
  return state;
}

/** A sink that writes `format` to `out`, waiting for it to drain; stops when `out` is closed (EPIPE). */
export function queryOutput(format: QueryFormat, out: Writable): QuerySink {
  const state = streamState(out);
  const write = async (text: string): Promise<boolean> => {
    if (state.failed) throw state.failed;
    if (state.closed) return false;
    if (!out.write(text)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          out.off('drain', done);
          out.off('close', done);
          resolve();
        };
        out.on('drain', done);
        out.on('close', done);
      });
    }
    if (state.failed) throw state.failed;
    return !state.closed;
  };

  let columns: string[] = [];
  if (format === 'csv') {
    return {
      start: async (names) => void (await write(names.map(csvCell).join(',') + '\n')),
      rows: (rows) => write(rows.map((r) => r.map(csvCell).join(',') + '\n').join('')),
      end: () => undefined,
    };
  }
  if (format === 'json') {
    return {
      start: (names) => void (columns = names),
      rows: (rows) => write(rows.map((r) => JSON.stringify(Object.fromEntries(columns.map((c, i) => [c, r[i]]))) + '\n').join('')),
      end: () => undefined,
    };
  }
  let sample: string[][] | undefined = [];
  let widths: number[] = [];
  let count = 0;
  const line = (row: string[]) => row.map((v, i) => pad(v, widths[i])).join('  ').trimEnd() + '\n';
  const flushSample = () => {
    const held = sample ?? [];
    sample = undefined;
    widths = columns.map((c, i) => Math.max(width(c), ...held.map((row) => width(row[i]))));
    return write([line(columns), widths.map((w) => '-'.repeat(w)).join('  ') + '\n', ...held.map(line)].join(''));
  };
  return {
    start: (names) => void (columns = names),
    rows: async (rows) => {
      count += rows.length;
      const cells = rows.map((r) => r.map(cell));
      if (sample === undefined) return write(cells.map(line).join(''));
      sample.push(...cells);
      return sample.length < TABLE_SAMPLE || flushSample();
    },
    end: async () => {
      if (sample !== undefined) await flushSample();
      await write(`(${count} rows)\n`);
    },
  };
}
