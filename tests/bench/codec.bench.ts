/**
 * Case-event codec throughput: encode (schema check + single-object framing) and decode (header,
 * fingerprint lookup, resolver to the current reader, plain object), on ~200k varied events; and
 * validation (the rules the worker runs on every event, the personal-data scan included); and the
 * worker's judge of a record (checkCaseEventRecord: decode without a copy, validate, key = caseId) in
 * µs per event, the number issue 13 tracks.
 */
import { checkCaseEventRecord } from '../../services/contract/check-record.js';
import { decodeCaseEvent, encodeCaseEvent } from '../../services/contract/codec.js';
import type { CaseEvent } from '../../services/contract/case-event.js';
import { sampleEvent } from '../../services/contract/test-events.js';
import { validateCaseEvent } from '../../services/contract/validate.js';
import type { BenchResult } from './bench-result.js';

const KINDS = ['RECEIVED', 'COMPLETED', 'DELIVERED', 'CONSULTED'] as const;

function events(n: number): CaseEvent[] {
  const out: CaseEvent[] = [];
  for (let i = 0; i < n; i++) {
    const kind = KINDS[i % KINDS.length];
    out.push(sampleEvent(kind, { eventId: `evt-${i}`, caseId: kind === 'CONSULTED' ? `ZX-${i}` : `SC2025${String(i).padStart(10, '0')}`, eventTime: 1754000000000 + i * 1000, sourceRecordId: `row-${i}` }));
  }
  return out;
}

function perSecond(n: number, fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  const ns = Number(process.hrtime.bigint() - start);
  return Math.round((n / ns) * 1e9);
}

export async function benchCodec(n = 200_000): Promise<BenchResult[]> {
  const input = events(n);
  // warm up the generated avsc readers/writers and the JIT
  for (let i = 0; i < 20_000; i++) decodeCaseEvent(encodeCaseEvent(input[i % input.length]));

  const encoded: Buffer[] = new Array(n);
  const encodeRate = perSecond(n, () => {
    for (let i = 0; i < n; i++) encoded[i] = encodeCaseEvent(input[i]);
  });
  let checksum = 0;
  const decodeRate = perSecond(n, () => {
    for (let i = 0; i < n; i++) checksum += decodeCaseEvent(encoded[i]).event.eventTime % 7;
  });
  if (checksum === 0) throw new Error('decode produced nothing');
  let problems = 0;
  const ingestedAt = 1754000000000 + n * 1000;
  for (let i = 0; i < 20_000; i++) if (validateCaseEvent(input[i], ingestedAt)) problems++;
  const validateRate = perSecond(n, () => {
    for (let i = 0; i < n; i++) if (validateCaseEvent(input[i], ingestedAt)) problems++;
  });
  if (problems > 0) throw new Error(`${problems} sample events failed validation`);
  const records = input.map((e, i) => ({ key: Buffer.from(e.caseId), value: encoded[i], timestampMs: ingestedAt }));
  let rejected = 0;
  for (let i = 0; i < 20_000; i++) if (!checkCaseEventRecord(records[i]).ok) rejected++;
  const checkRate = perSecond(n, () => {
    for (let i = 0; i < n; i++) if (!checkCaseEventRecord(records[i]).ok) rejected++;
  });
  if (rejected > 0) throw new Error(`${rejected} sample records were rejected`);
  const bytes = encoded.reduce((s, b) => s + b.length, 0);
  const note = `${n} events, ${Math.round(bytes / n)} bytes/event on the wire`;
  return [
    { name: 'case-event encode', value: encodeRate, unit: 'events/s', note },
    { name: 'case-event decode', value: decodeRate, unit: 'events/s', note },
    { name: 'case-event validate', value: validateRate, unit: 'events/s', note: `${n} events, item code with an 18-digit run` },
    { name: 'record check (decode + validate + key), per event', value: +(1e6 / checkRate).toFixed(2), unit: 'µs', note: `${n} records, what the worker runs on each` },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchCodec()) console.log(`${r.name}: ${r.value} ${r.unit} (${r.note})`);
}
