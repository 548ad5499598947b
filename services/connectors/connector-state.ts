/**
 * Where connectors keep their checkpoints: a compacted Kafka topic (casepipe.connector-state), keyed
 * by department and stream, as Kafka Connect keeps source offsets. Chosen over a local file because a
 * connector moved to another machine finds its state with the events it describes, on the broker it
 * already needs, with the same durability (acks=all); compaction keeps the latest checkpoint per key.
 * The topic is read to its end once at start; after that this process is its only writer for the
 * departments it runs.
 */
import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { CasepipeError } from '../platform/errors.js';
import type { Checkpoint, CheckpointReader } from './connector.js';

export const CONNECTOR_STATE = 'casepipe.connector-state';

interface StoredCheckpoint {
  department: string;
  stream: string;
  checkpoint: Checkpoint;
  at: string;
}

export class ConnectorState {
  private constructor(
    private readonly topic: string,
    private readonly entries: Map<string, StoredCheckpoint>,
  ) {}

  /** Reads the whole state topic (up to the end offsets seen at start). */
  static async load(kafka: Kafka, topic: string): Promise<ConnectorState> {
    const entries = new Map<string, StoredCheckpoint>();
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ends = await endOffsets(admin, topic);
      const remaining = new Map(ends.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]));
      if (remaining.size === 0) return new ConnectorState(topic, entries);
      const groupId = `casepipe-connector-state-reader-${randomUUID()}`;
      const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
      await consumer.connect();
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          consumer
            .run({
              autoCommit: false,
              eachBatch: async ({ batch }) => {
                for (const m of batch.messages) {
                  const key = m.key?.toString('utf8');
                  if (key === undefined) continue;
                  if (m.value === null || m.value.length === 0) entries.delete(key);
                  else entries.set(key, JSON.parse(m.value.toString('utf8')) as StoredCheckpoint);
                }
                const end = remaining.get(batch.partition);
                if (end !== undefined && BigInt(batch.lastOffset()) + 1n >= end) remaining.delete(batch.partition);
                if (remaining.size === 0) resolve();
              },
            })
            .catch(reject);
        });
      } finally {
        await consumer.disconnect();
        await admin.deleteGroups([groupId]).catch(() => undefined);
      }
    } finally {
      await admin.disconnect();
    }
    return new ConnectorState(topic, entries);
  }

  reader(department: string): CheckpointReader {
    return { get: (stream) => this.entries.get(stateKey(department, stream))?.checkpoint };
  }

  /** When the department last stored a checkpoint (its last data), if ever. */
  lastStoredAt(department: string): Date | undefined {
    let last: string | undefined;
    for (const e of this.entries.values()) if (e.department === department && (last === undefined || e.at > last)) last = e.at;
    return last === undefined ? undefined : new Date(last);
  }

  /** Stores a stream's checkpoint; resolves once the broker acknowledged it (acks=all). */
  async store(producer: Producer, department: string, stream: string, checkpoint: Checkpoint, at = new Date()): Promise<void> {
    const entry: StoredCheckpoint = { department, stream, checkpoint, at: at.toISOString() };
    const key = stateKey(department, stream);
    await producer.send({ topic: this.topic, acks: -1, messages: [{ key, value: JSON.stringify(entry) }] });
    this.entries.set(key, entry);
  }
}

/** The topic's offsets; a leader still moving (just created, broker restarting) is waited for. */
async function endOffsets(admin: Admin, topic: string, attempts = 6): Promise<{ partition: number; low: string; high: string }[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (cause) {
      if (attempt >= attempts || (cause as { retriable?: boolean }).retriable !== true) {
        throw new CasepipeError('CONNECTOR_STATE_FAILED', `connector state topic ${topic} cannot be read (run \`casepipe topics ensure\`): ${(cause as Error).message}`, { cause, canRetry: true });
      }
      await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
    }
  }
}

function stateKey(department: string, stream: string): string {
  return `${department}/${stream}`;
}
