/**
 * Log lines for a person at a terminal: `12:01:33 INFO  stream-worker joined consumer group partitions=[0,1]`.
 * The logger writes JSON (pino) everywhere else — to a file, a pipe, a log collector.
 */
import { Writable } from 'node:stream';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const OMIT = new Set(['level', 'time', 'msg', 'service', 'component', 'pid', 'hostname']);

export function readableLogLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = new Date(Number(entry.time)).toTimeString().slice(0, 8);
  const level = (LEVELS[Number(entry.level)] ?? String(entry.level)).padEnd(5);
  const fields = Object.entries(entry)
    .filter(([k]) => !OMIT.has(k))
    .map(([k, v]) => {
      if (k === 'err' && v && typeof v === 'object') return `err=${JSON.stringify((v as { message?: string }).message ?? v)}`;
      return `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`;
    });
  return [time, level, entry.component ? String(entry.component) : undefined, String(entry.msg ?? ''), ...fields].filter((s) => s !== undefined && s !== '').join(' ');
}

export function readableLines(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      const text = chunk.toString();
      const lines = text.split('\n').filter((l) => l.length > 0);
      out.write(lines.map((l) => `${readableLogLine(l)}\n`).join(''));
      done();
    },
  });
}
