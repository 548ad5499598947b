/**
 * `casepipe events publish`: one case event per JSONL line, validated and encoded exactly as a
 * connector does, produced keyed by case id. A bad line is reported with its number and skipped;
 * the rest still go. Lines are split as bytes and decoded strictly (UTF-8 unless told otherwise,
 * e.g. gb18030): a byte sequence that is not text in that encoding is a bad line (INVALID_ENCODING),
 * never a U+FFFD in a department name. A line over `maxLineBytes` is a bad line (LINE_TOO_LONG),
 * skipped without being held in memory.
 */
import { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import { CasepipeError, isCasepipeError } from '../platform/errors.js';
import { encodeCaseEvent } from './codec.js';
import { caseEventFromJson } from './event-json.js';
import { maskPersonalData } from './personal-data.js';
import { validateCaseEvent } from './validate.js';

/** The slice of a kafkajs Producer this needs. */
export interface EventSender {
  send(record: { topic: string; messages: Array<{ key: string; value: Buffer }> }): Promise<unknown>;
}

export interface BadLine {
  line: number;
  code: string;
  message: string;
}

export interface PublishSummary {
  lines: number;
  published: number;
  blank: number;
  bad: BadLine[];
}

export interface PublishOptions {
  sender: EventSender;
  topic: string;
  /** Ingestion time for the event-time rule; defaults to the wall clock. */
  now?: () => number;
  batchSize?: number;
  /** Writer schema version; defaults to the newest. */
  version?: number;
  /** Text encoding of the input (a WHATWG encoding label such as gb18030); default utf-8. */
  encoding?: string;
  /** Longest line accepted, in bytes (default MAX_LINE_BYTES). */
  maxLineBytes?: number;
  onBadLine?: (bad: BadLine) => void;
}

/** One case event is a few KiB at most (see LIMITS in validate.ts); 1 MiB is far beyond any. */
export const MAX_LINE_BYTES = 1024 * 1024;

/** A decoder that throws on bytes that are not text in `encoding`; INVALID_FIELD for an unknown label. */
export function strictDecoder(encoding = 'utf-8'): TextDecoder {
  try {
    return new TextDecoder(encoding, { fatal: true });
  } catch {
    throw new CasepipeError('INVALID_FIELD', `unknown text encoding ${JSON.stringify(encoding)} (e.g. utf-8, gb18030, gbk)`);
  }
}

type RawLine = { bytes: Buffer; tooLong: false } | { bytes: undefined; tooLong: true };

/** The input's lines as bytes (without the LF or CRLF); an over-long line is dropped as it streams. */
async function* rawLines(stream: AsyncIterable<Buffer | string>, maxBytes: number): AsyncGenerator<RawLine> {
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  const finish = (): RawLine => {
    let bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts, size);
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    const line: RawLine = tooLong ? { bytes: undefined, tooLong: true } : { bytes, tooLong: false };
    parts = [];
    size = 0;
    tooLong = false;
    return line;
  };
  const add = (piece: Buffer): void => {
    if (tooLong) return;
    if (size + piece.length > maxBytes + 1) {
      tooLong = true; // (+1: room for the CR of a CRLF line)
      parts = [];
      size = 0;
      return;
    }
    parts.push(piece);
    size += piece.length;
  };
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(0x0a, start); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      add(buf.subarray(start, nl));
      yield finish();
      start = nl + 1;
    }
    if (start < buf.length) add(buf.subarray(start));
  }
  if (size > 0 || tooLong) yield finish();
}

export async function publishJsonl(input: string | Readable, opts: PublishOptions): Promise<PublishSummary> {
  const batchSize = opts.batchSize ?? 500;
  const now = opts.now ?? Date.now;
  const maxLineBytes = opts.maxLineBytes ?? MAX_LINE_BYTES;
  const decoder = strictDecoder(opts.encoding);
  const summary: PublishSummary = { lines: 0, published: 0, blank: 0, bad: [] };
  const stream = typeof input === 'string' ? Readable.from([Buffer.from(input)]) : input;
  let batch: Array<{ key: string; value: Buffer }> = [];

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const messages = batch;
    batch = [];
    await opts.sender.send({ topic: opts.topic, messages });
    summary.published += messages.length;
  };

  for await (const raw of rawLines(stream, maxLineBytes)) {
    summary.lines++;
    try {
      if (raw.tooLong) throw new CasepipeError('LINE_TOO_LONG', `line is longer than ${maxLineBytes} bytes; one case event is a few KiB`);
      let decoded: string;
      try {
        decoded = decoder.decode(raw.bytes);
      } catch {
        throw new CasepipeError('INVALID_ENCODING', `line is not valid ${decoder.encoding} text (a file in another encoding? see --encoding)`);
      }
      const text = (summary.lines === 1 ? decoded.replace(/^\uFEFF/, '') : decoded).trim();
      if (text === '') {
        summary.blank++;
        continue;
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        // JSON.parse's message quotes the line: it is not repeated (it may hold personal data).
        throw new CasepipeError('INVALID_FIELD', 'not a JSON object on one line');
      }
      const event = caseEventFromJson(json);
      const problem = validateCaseEvent(event, now());
      if (problem) throw Object.assign(new Error(problem.message), { code: problem.code });
      batch.push({ key: event.caseId, value: encodeCaseEvent(event, opts.version) });
    } catch (err) {
      const code = isCasepipeError(err) ? err.code : ((err as { code?: string }).code ?? 'INVALID_FIELD');
      const bad = { line: summary.lines, code, message: maskPersonalData((err as Error).message) };
      summary.bad.push(bad);
      opts.onBadLine?.(bad);
      continue;
    }
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return summary;
}
