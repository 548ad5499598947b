/**
 * Deterministic synthetic case events for the store's tests, crash test and benchmark: milestones
 * and consultations with disagreeing duplicate copies (an earlier copy can move one to another month,
 * consultations included), events near month boundaries, late records, OTHER channels and delivery
 * methods (counted in no figure), and text values exactly at the contract's length limits.
 */
import type { CaseEvent, Channel, DeliveryMethod } from '../../contract/case-event.js';
import type { BatchEvent, PartitionBatch } from '../batch.js';
import { mulberry32 } from '../../demo/month-generator.js';

/** mulberry32, the generator's seeded PRNG. */
export const rng = mulberry32;

/** The Kafka partitioner stand-in: FNV-1a of the key. */
export function partitionOf(key: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % partitions;
}

/** Named as pipelines/departments/ names them (figures take names from that registry). */
const DEPARTMENTS = [
  ['JTYST', '交通运输厅'], ['ZJT', '住房城乡建设厅'], ['GAT', '公安厅'], ['SCJGJ', '省市场监管局'],
  ['YJGLT', '应急管理厅'], ['MZT', '民政厅'], ['YJJ', '省药监局'], ['SWT', '商务厅'],
] as const;
const CASE_CHANNELS: Channel[] = ['FULL_ONLINE', 'FULL_ONLINE', 'FULL_ONLINE', 'COMPREHENSIVE_WINDOW', 'DEPARTMENT_WINDOW', 'OTHER'];
const CONSULTATION_CHANNELS: Channel[] = ['PHONE', 'ONSITE', 'ONSITE', 'ONSITE', 'OTHER'];
const METHODS: DeliveryMethod[] = ['WINDOW_PICKUP', 'MAIL', 'ELECTRONIC', 'OTHER'];
/** The contract's limits (services/contract/validate.ts) for the text columns the store keeps. */
const AT_LIMIT = { caseId: 128, itemCode: 128, sourceSystem: 64, sourceRecordId: 256 };
/** 2025-06-01T00:00+08:00 */
const START_MS = Date.UTC(2025, 4, 31, 16);
const SPAN_MS = 120 * 86_400_000;

export interface SyntheticOptions {
  seed: number;
  /** Events to produce, duplicates included. */
  count: number;
  /** Share of events that are another copy of an earlier milestone or consultation. */
  duplicateRate?: number;
  /** Share of consultations among the originals. */
  consultationRate?: number;
  /** Prefix of case ids, so several generators do not collide. */
  prefix?: string;
}

/** A record as it would arrive: the event and its Kafka record timestamp. */
export type SyntheticRecord = Omit<BatchEvent, 'offset'>;

/** Generates `count` records lazily (the 10M benchmark cannot hold them all). */
export function* syntheticRecords(options: SyntheticOptions): Generator<SyntheticRecord> {
  const random = rng(options.seed);
  const dupRate = options.duplicateRate ?? 0.25;
  const consultRate = options.consultationRate ?? 0.1;
  const prefix = options.prefix ?? 'C';
  // Recent originals, copied by the duplicates (a ring, so memory stays small).
  const recent: CaseEvent[] = new Array(4096);
  let recentCount = 0;
  let caseSeq = 0;
  let currentCase = '';
  let nextKind = 0;
  let eventSeq = 0;
  for (let i = 0; i < options.count; i++) {
    let event: CaseEvent;
    if (recentCount > 0 && random() < dupRate) {
      const original = recent[Math.floor(random() * Math.min(recentCount, recent.length))];
      // Another system's copy: a different id, maybe a different time (earlier or later, possibly
      // across a month boundary), channel, department or method.
      const shift = random() < 0.5 ? 0 : Math.round((random() - 0.6) * 10 * 86_400_000);
      const dept = random() < 0.1 ? DEPARTMENTS[Math.floor(random() * DEPARTMENTS.length)] : null;
      event = {
        ...original,
        eventId: `E${(eventSeq++).toString(36).padStart(8, '0')}`,
        eventTime: original.eventTime + shift,
        channel: original.kind === 'CONSULTED' || random() < 0.8 ? original.channel : CASE_CHANNELS[Math.floor(random() * CASE_CHANNELS.length)],
        deliveryMethod: original.kind === 'DELIVERED' && random() < 0.2 ? METHODS[Math.floor(random() * METHODS.length)] : original.deliveryMethod,
        departmentCode: original.kind === 'CONSULTED' || !dept ? original.departmentCode : dept[0],
        departmentName: original.kind === 'CONSULTED' || !dept ? original.departmentName : dept[1],
        sourceSystem: random() < 0.5 ? 'comprehensive-window' : `${original.departmentCode.toLowerCase()}-approval`,
        sourceRecordId: `R${i}`,
      };
    } else {
      const [code, name] = DEPARTMENTS[Math.floor(random() * DEPARTMENTS.length)];
      const consult = random() < consultRate;
      // A case goes RECEIVED -> COMPLETED -> DELIVERED under one case id (sometimes stopping early).
      if (!consult && (nextKind === 0 || nextKind > 2 || random() < 0.1)) {
        currentCase = `${prefix}${(caseSeq++).toString(36)}`;
        // About 1 case in 100 has a case id exactly at the contract's limit.
        if (random() < 0.01) currentCase = currentCase.padEnd(AT_LIMIT.caseId, '0');
        nextKind = 0;
      }
      const atLimit = random() < 0.01; // item code, source system and record id at their limits
      const kind = consult ? 'CONSULTED' : (['RECEIVED', 'COMPLETED', 'DELIVERED'] as const)[nextKind++];
      const caseId = consult ? `${prefix}Q${(caseSeq++).toString(36)}` : currentCase;
      event = {
        eventId: `E${(eventSeq++).toString(36).padStart(8, '0')}`,
        kind,
        caseId,
        departmentCode: code,
        departmentName: name,
        itemCode: atLimit ? `511A0138000000-${code}-`.padEnd(AT_LIMIT.itemCode, 'X') : random() < 0.7 ? `511A0138000000-${code}-${Math.floor(random() * 50)}` : null,
        channel: consult ? CONSULTATION_CHANNELS[Math.floor(random() * CONSULTATION_CHANNELS.length)] : CASE_CHANNELS[Math.floor(random() * CASE_CHANNELS.length)],
        deliveryMethod: kind === 'DELIVERED' ? METHODS[Math.floor(random() * METHODS.length)] : null,
        eventTime: START_MS + Math.floor(random() * SPAN_MS),
        sourceSystem: atLimit ? `${code.toLowerCase()}-approval-`.padEnd(AT_LIMIT.sourceSystem, 'x') : `${code.toLowerCase()}-approval`,
        sourceRecordId: atLimit ? `R${i}-`.padEnd(AT_LIMIT.sourceRecordId, '0') : `R${i}`,
        attributes: {},
      };
      recent[recentCount++ % recent.length] = event;
    }
    // Ingested minutes to days later; sometimes the month has closed by then (a late event).
    const timestampMs = event.eventTime + Math.floor(random() * (random() < 0.05 ? 20 : 0.1) * 86_400_000);
    yield { event, timestampMs };
  }
}

/** Fisher-Yates with a seeded PRNG. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const random = rng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Lays records out as Kafka would (partition by key, consecutive offsets per partition) and cuts
 * each partition into batches of random sizes in [minBatch, maxBatch], interleaving partitions.
 */
export function toBatches(
  records: readonly SyntheticRecord[],
  options: { topic: string; partitions: number; minBatch: number; maxBatch: number; seed: number },
): PartitionBatch[] {
  const perPartition: BatchEvent[][] = Array.from({ length: options.partitions }, () => []);
  for (const r of records) {
    const list = perPartition[partitionOf(r.event.caseId, options.partitions)];
    list.push({ ...r, offset: String(list.length) });
  }
  const random = rng(options.seed);
  const queues = perPartition.map((events, partition) => {
    const batches: PartitionBatch[] = [];
    for (let start = 0; start < events.length; ) {
      const size = options.minBatch + Math.floor(random() * (options.maxBatch - options.minBatch + 1));
      const slice = events.slice(start, start + size);
      start += slice.length;
      batches.push({ topic: options.topic, partition, nextOffset: String(start), events: slice, deadLetters: [] });
    }
    return batches;
  });
  const out: PartitionBatch[] = [];
  while (queues.some((q) => q.length > 0)) {
    const live = queues.filter((q) => q.length > 0);
    out.push(live[Math.floor(random() * live.length)].shift()!);
  }
  return out;
}
