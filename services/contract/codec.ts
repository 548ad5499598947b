/**
 * The case event on the wire: Avro single-object encoding (0xC3 0x01, the writer schema's
 * CRC-64-AVRO fingerprint little-endian, then the Avro binary body). Decoding always goes through
 * a resolver from the writer's version to the newest schema in `schemas/`.
 */
import { CasepipeError } from '../platform/errors.js';
import type { CaseEvent } from './case-event.js';
import { caseEventSchemas, type CaseEventSchemas, type SchemaVersion } from './schema-registry.js';

export const SINGLE_OBJECT_MAGIC = [0xc3, 0x01] as const;
export const HEADER_LENGTH = 10;

export interface DecodedCaseEvent {
  event: CaseEvent;
  /** The schema version the producer wrote with. */
  writerVersion: number;
}

let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Encode with the current schema or an explicit (older) version, e.g. to test old producers.
 * Throws INVALID_FIELD naming the field when the event does not fit the schema.
 */
export function encodeCaseEvent(event: CaseEvent, version?: number, schemas: CaseEventSchemas = caseEventSchemas()): Buffer {
  const writer = version === undefined ? schemas.current : schemas.version(version);
  const problems: string[] = [];
  const valid = writer.type.isValid(event, {
    errorHook: (path, value) => problems.push(`${path.join('.') || '(record)'}=${describe(value)}`),
  });
  if (!valid) {
    throw new CasepipeError('INVALID_FIELD', `event ${describe(event?.eventId)} does not fit case-event v${writer.version}: ${problems.join(', ')}`);
  }
  for (;;) {
    scratch[0] = SINGLE_OBJECT_MAGIC[0];
    scratch[1] = SINGLE_OBJECT_MAGIC[1];
    writer.fingerprint.copy(scratch, 2);
    const end = writer.type.encode(event, scratch, HEADER_LENGTH);
    if (end > 0) {
      const out = Buffer.allocUnsafe(end);
      scratch.copy(out, 0, 0, end);
      return out;
    }
    // encode returns minus the missing byte count when the buffer is too small.
    scratch = Buffer.allocUnsafe(Math.max(scratch.length * 2, scratch.length - end + 1024));
  }
}

/**
 * Decode a Kafka record value. Throws CasepipeError with EMPTY_VALUE (tombstone), NOT_AVRO (no
 * single-object header), UNKNOWN_SCHEMA (fingerprint not in schemas/) or DECODE_FAILED (body).
 */
export function decodeCaseEvent(value: Buffer | null | undefined, schemas: CaseEventSchemas = caseEventSchemas()): DecodedCaseEvent {
  const writer = writerOf(value, schemas);
  return { event: toPlainEvent(readBody(value as Buffer, writer, schemas)), writerVersion: writer.version };
}

/**
 * The worker's decode: as decodeCaseEvent, but the event is the object avsc's reader built (an
 * instance of its generated record class, own fields only: the schemas are parsed without record
 * methods), not a copy. Nothing is allocated beyond what the Avro body holds.
 */
export function readCaseEvent(value: Buffer | null | undefined, schemas: CaseEventSchemas = caseEventSchemas()): CaseEvent {
  return readBody(value as Buffer, writerOf(value, schemas), schemas);
}

function writerOf(value: Buffer | null | undefined, schemas: CaseEventSchemas): SchemaVersion {
  if (value == null || value.length === 0) {
    throw new CasepipeError('EMPTY_VALUE', 'record has no value (tombstone)');
  }
  if (value.length < HEADER_LENGTH || value[0] !== SINGLE_OBJECT_MAGIC[0] || value[1] !== SINGLE_OBJECT_MAGIC[1]) {
    throw new CasepipeError('NOT_AVRO', `value is not Avro single-object encoded (starts with 0x${value.subarray(0, 4).toString('hex')}, ${value.length} bytes)`);
  }
  const writer = schemas.byFingerprint(value.readUInt32LE(2), value.readUInt32LE(6));
  if (!writer) {
    throw new CasepipeError(
      'UNKNOWN_SCHEMA',
      `writer schema fingerprint ${value.subarray(2, HEADER_LENGTH).toString('hex')} is not a case-event version in schemas/`,
    );
  }
  return writer;
}

function readBody(value: Buffer, writer: SchemaVersion, schemas: CaseEventSchemas): CaseEvent {
  let decoded: { value: unknown; offset: number };
  try {
    decoded = schemas.current.type.decode(value, HEADER_LENGTH, schemas.resolverFor(writer));
  } catch (err) {
    throw new CasepipeError('DECODE_FAILED', `case-event v${writer.version} body is corrupt: ${(err as Error).message}`, { cause: err });
  }
  if (decoded.offset < 0) {
    throw new CasepipeError('DECODE_FAILED', `case-event v${writer.version} body is truncated (${value.length} bytes)`);
  }
  if (decoded.offset !== value.length) {
    throw new CasepipeError('DECODE_FAILED', `case-event v${writer.version} body has ${value.length - decoded.offset} trailing bytes`);
  }
  return decoded.value as CaseEvent;
}

/** avsc returns instances of a generated record class; callers get a plain object literal. */
function toPlainEvent(r: CaseEvent): CaseEvent {
  return {
    eventId: r.eventId,
    kind: r.kind,
    caseId: r.caseId,
    departmentCode: r.departmentCode,
    departmentName: r.departmentName,
    itemCode: r.itemCode,
    channel: r.channel,
    deliveryMethod: r.deliveryMethod,
    eventTime: r.eventTime,
    sourceSystem: r.sourceSystem,
    sourceRecordId: r.sourceRecordId,
    attributes: r.attributes,
  };
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  const s = JSON.stringify(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
