/**
 * At start, before the worker reads anything: are the store's offsets offsets of this topic? A topic
 * deleted and recreated, resized, or a worker pointed at another cluster leaves a store whose offsets
 * and per-partition deduplication belong to another history; counting on would skip records or count
 * a case twice. The worker refuses to run and says how to rebuild the store.
 *
 * Kafka's topic id would also catch a recreated topic that has already grown past the stored offsets,
 * but kafkajs 2.2.4 speaks Metadata v6, which has no topic ids; the checks here are the partition count
 * recorded when the store started counting the topic, and the high watermarks.
 */
import type { Admin } from 'kafkajs';
import { CasepipeError } from '../platform/errors.js';
import { topicOffsets } from '../platform/topics.js';

export interface SourceTopicState {
  topic: string;
  /** The partition count the store recorded for the topic (undefined: none recorded yet). */
  recordedPartitions: number | undefined;
  /** The store's next offset per partition. */
  storedOffsets: Map<number, bigint>;
  /** The topic now: its high watermark per partition (one entry per partition). */
  highWatermarks: Map<number, bigint>;
}

/** Why the store's offsets cannot belong to the topic as it is now, or null when they can. */
export function sourceTopicMismatch({ topic, recordedPartitions, storedOffsets, highWatermarks }: SourceTopicState): string | null {
  const partitions = highWatermarks.size;
  if (recordedPartitions !== undefined && recordedPartitions !== partitions) {
    return `the live store was built from ${topic} with ${recordedPartitions} partitions, the topic now has ${partitions} (a recreated or resized topic sends a case's records to another partition, where per-partition deduplication would count it again)`;
  }
  for (const [partition, stored] of [...storedOffsets].sort((a, b) => a[0] - b[0])) {
    const high = highWatermarks.get(partition);
    if (high === undefined) {
      return `the live store has counted partition ${partition} of ${topic}, which has only ${partitions} partitions now`;
    }
    if (stored > high) {
      return `the live store has counted ${topic}[${partition}] up to offset ${stored}, but the topic ends at ${high} (a recreated topic, or another cluster)`;
    }
  }
  return null;
}

export interface SourceTopicStore {
  sourceTopicPartitions(topic: string): Promise<number | undefined>;
  recordSourceTopic(topic: string, partitions: number): Promise<void>;
  storedOffsets(topic: string): Promise<Map<number, bigint | string>>;
}

/**
 * Throws STORE_TOPIC_MISMATCH when the store does not belong to the topic; otherwise records the
 * topic's partition count if the store has none yet (a new store, or one from before this check).
 */
export async function checkSourceTopic(admin: Admin, store: SourceTopicStore, topic: string, storeFile: string): Promise<void> {
  const offsets = await topicOffsets(admin, topic);
  const state: SourceTopicState = {
    topic,
    recordedPartitions: await store.sourceTopicPartitions(topic),
    storedOffsets: new Map([...(await store.storedOffsets(topic))].map(([p, o]) => [p, BigInt(o)])),
    highWatermarks: new Map(offsets.map((o) => [o.partition, BigInt(o.high)])),
  };
  const why = sourceTopicMismatch(state);
  if (why) {
    throw new CasepipeError(
      'STORE_TOPIC_MISMATCH',
      `${why}. The worker will not count on a store from another history. Rebuild the store by replay: stop the worker, ` +
        `move ${storeFile} and ${storeFile}.wal out of the way, and start the worker again: it recounts ${topic} from its first offset ` +
        '(then re-run `casepipe snapshot` for the months you publish).',
    );
  }
  if (state.recordedPartitions === undefined) await store.recordSourceTopic(topic, offsets.length);
}
