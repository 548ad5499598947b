/**
 * The connector contract. A connector type reads its source and yields batches of source records,
 * each batch with the checkpoint after it, per stream (a file, a table, a pushed request: Airbyte's
 * per-stream state). The runtime maps, validates and publishes the records, and only after Kafka
 * acknowledged them stores the batch's checkpoint and calls its afterCommit. A connector never sees
 * Kafka, and never maps: it only reads.
 */
import type { z } from 'zod';
import type { ErrorCode } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';

/** A cell or field as a source gives it. Date: a spreadsheet date cell (wall time stored as UTC). */
export type SourceValue = string | number | boolean | Date | null;

export interface SourceRecord {
  /** The record's identity in the source when the mapping names no id columns (stable across re-reads). */
  id: string;
  /** Where it is, for people: `YBJ-20250801.csv row 12`. Never holds record content. */
  location: string;
  /** Column or field name → value. Absent when the source could not even split the record. */
  fields?: Record<string, SourceValue>;
  /** Why the source could not read this record (it is dead-lettered; the stream goes on). */
  problem?: { code: ErrorCode; message: string };
}

/** A stream's checkpoint: plain JSON, opaque to the runtime. */
export type Checkpoint = { [key: string]: unknown };

export interface SourceBatch {
  /** The stream this batch belongs to; its checkpoint replaces the stream's stored one. */
  stream: string;
  records: SourceRecord[];
  /** Where the stream stands after these records. */
  checkpoint: Checkpoint;
  /** Runs once the records are acknowledged by Kafka and the checkpoint is stored (e.g. move a file to done/). */
  afterCommit?: () => Promise<void>;
}

/** The stored checkpoints of one department, as the runtime found them at start and has stored since. */
export interface CheckpointReader {
  get(stream: string): Checkpoint | undefined;
}

export interface CheckResult {
  ok: boolean;
  message: string;
}

export interface SourceConnector {
  /** Can the source be reached and read? Never throws for an unreachable source: says why. */
  check(): Promise<CheckResult>;
  /** Reads what is there now, resuming every stream after its checkpoint; ends when caught up. */
  read(checkpoints: CheckpointReader, signal: AbortSignal): AsyncIterable<SourceBatch>;
  /** Resolves when new data may be there (default: after the poll interval). */
  waitForData?(signal: AbortSignal, maxMs: number): Promise<void>;
  close?(): Promise<void>;
}

export interface ConnectorContext {
  department: string;
  logger: Logger;
  /**
   * Runs one request to the source under the department's limits (p-queue: concurrency and rate),
   * retried with backoff while the error says a retry can help.
   */
  request<T>(what: string, fn: () => Promise<T>): Promise<T>;
  /** The columns the department's mapping reads: a source that knows its columns up front (sql-poll) names the missing ones in check(). */
  mappedColumns?: ReadonlySet<string>;
  /** Where secrets are looked up (default process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface SampleWork {
  dir: string;
  logger: Logger;
  department: string;
}

export interface SampleSource<S> {
  settings: S;
  /** Adds `count` more sample records (the restart check uses it); for push types, pushes them. */
  add?(records: Array<Record<string, SourceValue>>): Promise<void>;
  /** Push types only: sends the sample now (called after read() started). */
  push?(): Promise<void>;
  close(): Promise<void>;
}

export interface ConnectorType<S extends { type: string } = { type: string }> {
  type: S['type'];
  /** One line for people (the docs and the scaffold use it). */
  description: string;
  /** The source settings: validates department files, documents every option, scaffolds new files. */
  spec: z.ZodType<S>;
  create(settings: S, ctx: ConnectorContext): SourceConnector;
  /** Records of a sample file, offline (`casepipe connector check --sample`). */
  sampleRecords(settings: S, file: string): Promise<SourceRecord[]>;
  /**
   * For `casepipe connector test`: a throwaway source of this type holding the records of a sample file
   * (file-drop: a temporary inbox; sql-poll: a scratch table; http-poll: a local paged server; webhook:
   * the endpoint plus a pusher that sends the sample as signed requests). `settings` point at it.
   */
  sampleSource?(settings: S, sampleFile: string, work: SampleWork): Promise<SampleSource<S>>;
}
