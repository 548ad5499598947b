/**
 * `casepipe events publish`: one case event per JSONL line, validated and encoded exactly as a
 * connector does, produced keyed by case id. A bad line is reported with its number and skipped;
 * the rest still go.
 */
import readline from 'node:readline';
import { Readable } from 'node:stream';
import { isCasepipeError } from '../platform/errors.js';
import { encodeCaseEvent } from './codec.js';
import { caseEventFromJson } from './event-json.js';
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
  onBadLine?: (bad: BadLine) => void;
}

export async function publishJsonl(input: string | Readable, opts: PublishOptions): Promise<PublishSummary> {
  const batchSize = opts.batchSize ?? 500;
  const now = opts.now ?? Date.now;
  const summary: PublishSummary = { lines: 0, published: 0, blank: 0, bad: [] };
  const stream = typeof input === 'string' ? Readable.from([input]) : input;
  const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let batch: Array<{ key: string; value: Buffer }> = [];

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const messages = batch;
    batch = [];
    await opts.sender.send({ topic: opts.topic, messages });
    summary.published += messages.length;
  };

  for await (const raw of rl) {
    summary.lines++;
    const text = (summary.lines === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
    if (text === '') {
      summary.blank++;
      continue;
    }
    try {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw Object.assign(new Error(`not JSON: ${(err as Error).message}`), { code: 'INVALID_FIELD' });
      }
      const event = caseEventFromJson(json);
      const problem = validateCaseEvent(event, now());
      if (problem) throw Object.assign(new Error(problem.message), { code: problem.code });
      batch.push({ key: event.caseId, value: encodeCaseEvent(event, opts.version) });
    } catch (err) {
      const code = isCasepipeError(err) ? err.code : ((err as { code?: string }).code ?? 'INVALID_FIELD');
      const bad = { line: summary.lines, code, message: (err as Error).message };
      summary.bad.push(bad);
      opts.onBadLine?.(bad);
      continue;
    }
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return summary;
}
