/**
 * `casepipe events tail`: decode the case-events topic and hand each record over as one JSON-ready
 * line with its writer schema version; records that do not decode are shown with their reason.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { isCasepipeError } from '../platform/errors.js';
import { decodeCaseEvent } from './codec.js';
import { caseEventToJson } from './event-json.js';

export interface TailLine {
  partition: number;
  offset: string;
  key: string | null;
  writerVersion?: number;
  event?: Record<string, unknown>;
  error?: { code: string; message: string };
}

export interface TailOptions {
  kafka: Kafka;
  topic: string;
  fromBeginning?: boolean;
  /** Only events of this department (code or name). Undecodable records are always shown. */
  department?: string;
  /** Stop after this many lines were emitted. */
  max?: number;
  signal?: AbortSignal;
  onLine: (line: TailLine) => void;
}

/** Runs until `max` lines were emitted or `signal` aborts. Resolves with the number of lines. */
export async function tailEvents(opts: TailOptions): Promise<number> {
  // A throwaway group: tail must never move a real consumer's offsets.
  const consumer = opts.kafka.consumer({ groupId: `casepipe-tail-${randomUUID()}` });
  let emitted = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  if (opts.signal?.aborted) return 0;
  opts.signal?.addEventListener('abort', () => finish(), { once: true });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: opts.topic, fromBeginning: opts.fromBeginning ?? false });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (opts.max !== undefined && emitted >= opts.max) return;
        const line: TailLine = { partition, offset: message.offset, key: message.key?.toString('utf8') ?? null };
        try {
          const { event, writerVersion } = decodeCaseEvent(message.value);
          if (opts.department && event.departmentCode !== opts.department && event.departmentName !== opts.department) return;
          line.writerVersion = writerVersion;
          line.event = caseEventToJson(event);
        } catch (err) {
          if (!isCasepipeError(err)) throw err;
          line.error = { code: err.code, message: err.message };
        }
        emitted++;
        opts.onLine(line);
        if (opts.max !== undefined && emitted >= opts.max) finish();
      },
    });
    await done;
  } finally {
    await consumer.disconnect();
  }
  return emitted;
}
