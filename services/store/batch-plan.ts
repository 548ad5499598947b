/**
 * What one fetched partition batch means against the partition's stored next offset, decided from
 * offsets alone. The store's next offset is the truth (ARCHITECTURE invariant 3); the fetch position is
 * only where Kafka happened to start (the group's committed offset, a seek, a re-fetch after a
 * rebalance). The stream worker plans each fetched batch with it before decoding a record, and the
 * store plans each batch again inside its transaction (there the reader has already decided about
 * gaps, so it passes `soughtTo: stored`): one rule, one function.
 */

export type BatchPlan =
  /** The store is behind the fetch position: records would be skipped. Fetch again from `offset`. */
  | { action: 'seek'; offset: bigint }
  /** Every record of the batch is below the stored next offset: already applied. */
  | { action: 'skip' }
  /** Apply the records at offsets >= `from` (the batch's first offset, or the stored one on a replay). */
  | { action: 'apply'; from: bigint };

export interface BatchOffsets {
  /** The partition's next offset in the store (0 when the store has none). */
  stored: bigint;
  /**
   * Where the reader last sought this partition to, if it did and no batch was applied since. A
   * batch that still starts above it after that seek is accepted as it comes: the records in
   * between are gone from Kafka (retention), and seeking again would loop.
   */
  soughtTo: bigint | undefined;
  /** First and last offset of the fetched batch. */
  first: bigint;
  last: bigint;
}

export function planBatch({ stored, soughtTo, first, last }: BatchOffsets): BatchPlan {
  if (first > stored && soughtTo !== stored) return { action: 'seek', offset: stored };
  if (last < stored) return { action: 'skip' };
  return { action: 'apply', from: first > stored ? first : stored };
}

/**
 * "offset < from" for kafkajs' offsets, decimal strings without leading zeros: shorter is smaller,
 * equal lengths compare as text (parsing every offset as BigInt cost ~0.5 µs an event).
 */
export function offsetBelow(from: bigint): (offset: string) => boolean {
  if (from <= 0n) return () => false;
  const s = String(from);
  return (o) => o.length < s.length || (o.length === s.length && o < s);
}
