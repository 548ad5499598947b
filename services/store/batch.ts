import type { CaseEvent } from '../contract/case-event.js';
import type { PreparedEvents } from './batch-staging.js';

/** One Kafka record that decoded and validated into a case event. */
export interface BatchEvent {
  event: CaseEvent;
  /** Kafka offset of the record (a decimal string, as kafkajs gives it). */
  offset: string;
  /** Kafka record timestamp, epoch ms: when the record was ingested. */
  timestampMs: number;
}

/** A record the worker sent to the dead-letter topic: counted, never stored as an event. */
export interface BatchDeadLetter {
  offset: string;
  /** The department, when the record got far enough to say (else null). */
  departmentCode: string | null;
  /** The error code that sent it there (the dead-letter reason header). */
  reason: string;
  timestampMs: number;
}

/** Consecutive records of one partition, applied in one transaction with the partition's next offset. */
export interface PartitionBatch {
  topic: string;
  partition: number;
  /** Offset after the last record in the batch: where the partition resumes. */
  nextOffset: string;
  events: BatchEvent[];
  deadLetters: BatchDeadLetter[];
}

/**
 * A PartitionBatch whose events were prepared for staging as they arrived (`prepareBatch` of
 * services/store/batch-staging.ts): what the stream worker queues for the store. Its records must all
 * be at or past the partition's stored offset (the worker plans the batch first): the store cannot
 * leave prepared events out, and refuses such a batch rather than count a record twice.
 */
export interface PreparedPartitionBatch {
  topic: string;
  partition: number;
  nextOffset: string;
  prepared: PreparedEvents;
  deadLetters: BatchDeadLetter[];
}

export interface BatchResult {
  /** True when the stored next offset was already at or past the batch's: nothing was written. */
  skipped: boolean;
  /** Records at offsets below the stored next offset (a replay after a crash), left out. */
  alreadyApplied: number;
  /** Events merged (after leaving out the already applied ones). */
  events: number;
  /** Milestones and consultations seen for the first time. */
  inserted: number;
  /** Stored winners replaced by a copy with an earlier event time (or equal time, smaller id). */
  replaced: number;
  /** Of the replacements, those that changed month, department, channel or method (logged). */
  moved: number;
  /** Copies that are not (or no longer) the winner: events - inserted. */
  duplicates: number;
  /** Events whose CST month is before the CST month of their record timestamp. */
  late: number;
  deadLetters: number;
  nextOffset: string;
}
