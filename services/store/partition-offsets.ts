/**
 * The partitions' next offsets: the `partition_offsets` rows, and the one in-memory copy of them.
 * The store is their only writer, so the copy is read once at open and updated after each COMMIT;
 * the stream worker, lag and status readers all ask the store for it.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

export class PartitionOffsets {
  private readonly byTopic = new Map<string, Map<number, bigint>>();

  static async load(conn: DuckDBConnection): Promise<PartitionOffsets> {
    const offsets = new PartitionOffsets();
    const rows = (await conn.runAndReadAll('SELECT topic, partition, next_offset FROM partition_offsets')).getRows();
    for (const [topic, partition, next] of rows) offsets.committed(String(topic), Number(partition), BigInt(next as bigint));
    return offsets;
  }

  /** The partition's stored next offset, 0 when it has none. */
  get(topic: string, partition: number): bigint {
    return this.byTopic.get(topic)?.get(partition) ?? 0n;
  }

  /** Next offset per partition of `topic` (decimal strings), by partition. */
  ofTopic(topic: string): Map<number, string> {
    const partitions = this.byTopic.get(topic);
    if (!partitions) return new Map();
    return new Map([...partitions].sort((a, b) => a[0] - b[0]).map(([p, o]) => [p, String(o)]));
  }

  /** After COMMIT: the partition resumes at `next`. */
  committed(topic: string, partition: number, next: bigint): void {
    let partitions = this.byTopic.get(topic);
    if (!partitions) this.byTopic.set(topic, (partitions = new Map()));
    partitions.set(partition, next);
  }
}

/**
 * The statement that stores the partition's next offset, inside the batch's transaction. Literals, not
 * parameters: it runs in one call before the batch's COMMIT, and parameters bind only to a call's last
 * statement. The topic is quoted as a SQL string (quotes doubled); Kafka allows only [a-zA-Z0-9._-].
 */
export function nextOffsetSql(topic: string, partition: number, next: bigint): string {
  if (!Number.isSafeInteger(partition)) throw new Error(`partition ${partition} is not an integer`);
  return `INSERT INTO partition_offsets VALUES ('${topic.replaceAll("'", "''")}', ${partition}, ${BigInt(next)}::BIGINT, now())
     ON CONFLICT (topic, partition) DO UPDATE SET next_offset = excluded.next_offset, updated_at = excluded.updated_at`;
}
