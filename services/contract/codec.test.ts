import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { CasepipeError } from '../platform/errors.js';
import { EVENT_KINDS } from './case-event.js';
import { decodeCaseEvent, encodeCaseEvent, HEADER_LENGTH } from './codec.js';
import { caseEventSchemas, DEFAULT_SCHEMAS_DIR, loadCaseEventSchemas } from './schema-registry.js';
import { sampleEvent } from './test-events.js';

const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures');
const tmpDirs: string[] = [];
afterAll(() => tmpDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** schemas/case-event.v1.avsc plus a fixture as v2, in a temporary directory. */
function withV2(fixture: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'case-event-schemas-'));
  tmpDirs.push(dir);
  fs.copyFileSync(path.join(DEFAULT_SCHEMAS_DIR, 'case-event.v1.avsc'), path.join(dir, 'case-event.v1.avsc'));
  fs.copyFileSync(path.join(FIXTURES, fixture), path.join(dir, 'case-event.v2.avsc'));
  return dir;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CasepipeError);
    return (err as CasepipeError).code;
  }
  throw new Error('expected a CasepipeError, nothing was thrown');
}

describe('case-event codec', () => {
  it.each(EVENT_KINDS.filter((k) => k !== 'UNKNOWN'))('round-trips a %s event as a plain object with eventTime in epoch ms', (kind) => {
    const event = sampleEvent(kind);
    const bytes = encodeCaseEvent(event);
    const { event: back, writerVersion } = decodeCaseEvent(bytes);
    expect(writerVersion).toBe(1);
    expect(back).toStrictEqual(event);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(typeof back.eventTime).toBe('number');
  });

  it('round-trips nulls, an empty attribute map and non-ASCII text', () => {
    const event = sampleEvent('COMPLETED', { itemCode: null, attributes: {}, departmentName: '住房城乡建设厅' });
    expect(decodeCaseEvent(encodeCaseEvent(event)).event).toStrictEqual(event);
  });

  it('writes the single-object header: C3 01 then the writer fingerprint little-endian', () => {
    const bytes = encodeCaseEvent(sampleEvent());
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0xc3, 0x01]));
    expect(bytes.subarray(2, HEADER_LENGTH)).toEqual(caseEventSchemas().version(1).fingerprint);
  });

  it('pins the fingerprint of v1: a published version must never change', () => {
    expect(caseEventSchemas().version(1).fingerprint.toString('hex')).toBe('8b181d35fb528168');
  });

  it('refuses to encode an event that does not fit the schema, naming the field', () => {
    const bad = { ...sampleEvent(), channel: 'FAX' } as unknown as Parameters<typeof encodeCaseEvent>[0];
    expect(() => encodeCaseEvent(bad)).toThrow(/channel="FAX"/);
    expect(codeOf(() => encodeCaseEvent(bad))).toBe('INVALID_FIELD');
  });

  it('decodes a v1 message with a v2 reader (new optional field absent, everything else intact)', () => {
    const schemas = loadCaseEventSchemas(withV2('case-event.v2.compatible.avsc'));
    expect(schemas.current.version).toBe(2);
    const event = sampleEvent('DELIVERED');
    const v1Bytes = encodeCaseEvent(event, 1, schemas);
    const { event: back, writerVersion } = decodeCaseEvent(v1Bytes, schemas);
    expect(writerVersion).toBe(1);
    expect(back).toStrictEqual(event);
  });

  it('lets a v1 reader read v2 data: a channel symbol it does not know reads as the default OTHER', () => {
    const schemas = loadCaseEventSchemas(withV2('case-event.v2.compatible.avsc'));
    const v1 = schemas.version(1);
    const v2 = schemas.version(2);
    const v2Bytes = encodeCaseEvent({ ...sampleEvent('RECEIVED'), channel: 'SELF_SERVICE' as 'OTHER', regionCode: '510100' } as never, 2, schemas);
    const old = v1.type.fromBuffer(v2Bytes.subarray(HEADER_LENGTH), v1.type.createResolver(v2.type)) as { channel: string };
    expect(old.channel).toBe('OTHER');
    // and the v2 reader keeps the new symbol
    expect(decodeCaseEvent(v2Bytes, schemas).event.channel).toBe('SELF_SERVICE');
  });

  describe('bytes that are not an event get their dead-letter reason', () => {
    const good = encodeCaseEvent(sampleEvent());

    it('EMPTY_VALUE for a tombstone (null) and for zero bytes', () => {
      expect(codeOf(() => decodeCaseEvent(null))).toBe('EMPTY_VALUE');
      expect(codeOf(() => decodeCaseEvent(Buffer.alloc(0)))).toBe('EMPTY_VALUE');
    });

    it('NOT_AVRO for JSON, for a Confluent-framed value and for a header cut short', () => {
      expect(codeOf(() => decodeCaseEvent(Buffer.from('{"caseId":"SC1","kind":"RECEIVED"}')))).toBe('NOT_AVRO');
      expect(codeOf(() => decodeCaseEvent(Buffer.concat([Buffer.from([0, 0, 0, 0, 7]), good.subarray(HEADER_LENGTH)])))).toBe('NOT_AVRO');
      expect(codeOf(() => decodeCaseEvent(good.subarray(0, 9)))).toBe('NOT_AVRO');
    });

    it('UNKNOWN_SCHEMA for a fingerprint not in schemas/', () => {
      const bytes = Buffer.from(good);
      bytes.writeUInt32LE(0xdeadbeef, 2);
      expect(codeOf(() => decodeCaseEvent(bytes))).toBe('UNKNOWN_SCHEMA');
      expect(() => decodeCaseEvent(bytes)).toThrow(/efbeadde/);
    });

    it('DECODE_FAILED for a truncated body, trailing bytes and a corrupt enum index', () => {
      expect(codeOf(() => decodeCaseEvent(good.subarray(0, good.length - 3)))).toBe('DECODE_FAILED');
      expect(codeOf(() => decodeCaseEvent(good.subarray(0, HEADER_LENGTH + 1)))).toBe('DECODE_FAILED');
      expect(codeOf(() => decodeCaseEvent(Buffer.concat([good, Buffer.from([1, 2, 3])])))).toBe('DECODE_FAILED');
      // The body starts with eventId (a one-byte zig-zag length, then the bytes) and then the kind's
      // enum index; 0x7e is zig-zag 63, an index no version declares.
      const corrupt = Buffer.from(good);
      const kindAt = HEADER_LENGTH + 1 + (corrupt[HEADER_LENGTH] >> 1);
      expect(corrupt[kindAt]).toBe(0); // RECEIVED
      corrupt[kindAt] = 0x7e;
      expect(codeOf(() => decodeCaseEvent(corrupt))).toBe('DECODE_FAILED');
    });
  });
});
