import { describe, expect, it } from '@jest/globals';
import { decodeCaseEvent } from './codec.js';
import { deriveEventId } from './event-json.js';
import { Readable } from 'node:stream';
import { publishJsonl, type EventSender } from './publish-jsonl.js';

function recordingSender(): EventSender & { sent: Array<{ key: string; value: Buffer }>; calls: number } {
  const s = {
    sent: [] as Array<{ key: string; value: Buffer }>,
    calls: 0,
    async send(r: { topic: string; messages: Array<{ key: string; value: Buffer }> }) {
      expect(r.topic).toBe('ce');
      s.calls++;
      s.sent.push(...r.messages);
    },
  };
  return s;
}

const NOW = () => Date.UTC(2025, 8, 1);
const line = (o: Record<string, unknown>) => JSON.stringify(o);
const received = {
  kind: 'RECEIVED',
  caseId: 'SC1',
  departmentCode: 'JTYST',
  departmentName: '交通运输厅',
  channel: 'FULL_ONLINE',
  eventTime: '2025-09-01T00:30:00+08:00',
  sourceSystem: 'jtyst-approval',
  sourceRecordId: 'r1',
};

describe('publishJsonl', () => {
  it('publishes good lines keyed by case id and reports bad ones by line number', async () => {
    const input = [
      '\uFEFF' + line(received),
      '',
      line({ ...received, caseId: '' }),
      '{not json',
      line({ ...received, caseId: 'SC2', kind: 'DELIVERED', channel: 'COMPREHENSIVE_WINDOW', deliveryMethod: 'MAIL', eventTime: 1756657800000, eventId: 'e-2' }),
      line({ ...received, caseID: 'typo' }),
      line({ ...received, eventTime: '2025-09-01 00:30' }),
      line({ ...received, caseId: 'SC3', kind: 'DELIVERED', channel: 'COMPREHENSIVE_WINDOW' }),
    ].join('\r\n');
    const sender = recordingSender();
    const summary = await publishJsonl(input, { sender, topic: 'ce', now: NOW });
    expect(summary.lines).toBe(8);
    expect(summary.blank).toBe(1);
    expect(summary.published).toBe(2);
    expect(summary.bad.map((b) => [b.line, b.code])).toEqual([
      [3, 'INVALID_CASE_ID'],
      [4, 'INVALID_FIELD'],
      [6, 'INVALID_FIELD'],
      [7, 'INVALID_EVENT_TIME'],
      [8, 'MISSING_DELIVERY_METHOD'],
    ]);
    expect(summary.bad[2].message).toContain('caseID');
    expect(sender.sent.map((m) => m.key)).toEqual(['SC1', 'SC2']);

    const first = decodeCaseEvent(sender.sent[0].value).event;
    expect(first.eventTime).toBe(Date.UTC(2025, 7, 31, 16, 30));
    expect(first.eventId).toBe(deriveEventId('jtyst-approval', 'r1', 'RECEIVED'));
    expect(first.itemCode).toBeNull();
    expect(first.attributes).toEqual({});
    expect(decodeCaseEvent(sender.sent[1].value).event).toMatchObject({ eventId: 'e-2', deliveryMethod: 'MAIL', eventTime: 1756657800000 });
  });

  it('sends in batches', async () => {
    const lines = Array.from({ length: 7 }, (_, i) => line({ ...received, caseId: `SC${i}`, sourceRecordId: `r${i}` })).join('\n');
    const sender = recordingSender();
    const summary = await publishJsonl(lines, { sender, topic: 'ce', now: NOW, batchSize: 3 });
    expect(summary.published).toBe(7);
    expect(sender.calls).toBe(3);
  });
});

describe('publishJsonl refuses, by line number', () => {
  const bytes = (...lines: (string | Buffer)[]): Readable =>
    Readable.from(lines.flatMap((l, i) => [typeof l === 'string' ? Buffer.from(l) : l, ...(i < lines.length - 1 ? [Buffer.from('\n')] : [])]));

  it('a time that does not exist instead of rolling it over', async () => {
    const sender = recordingSender();
    const summary = await publishJsonl([line(received), line({ ...received, eventTime: '2025-02-30T10:00:00Z' }), line({ ...received, eventTime: '2025-08-31T24:00:00Z' })].join('\n'), { sender, topic: 'ce', now: NOW });
    expect(summary.bad.map((b) => [b.line, b.code])).toEqual([
      [2, 'INVALID_EVENT_TIME'],
      [3, 'INVALID_EVENT_TIME'],
    ]);
    expect(summary.published).toBe(1);
  });

  it('bytes that are not UTF-8 (a GB18030 file), and reads the same file with encoding gb18030', async () => {
    const gb = Buffer.from([0xbd, 0xbb, 0xcd, 0xa8, 0xd4, 0xcb, 0xca, 0xe4, 0xcc, 0xfc]); // 交通运输厅 in GB18030
    const [before, after] = line({ ...received, departmentName: '@' }).split('@');
    const gbLine = Buffer.concat([Buffer.from(before), gb, Buffer.from(after)]);
    const utf8 = await publishJsonl(bytes(line(received), gbLine), { sender: recordingSender(), topic: 'ce', now: NOW });
    expect(utf8.bad).toEqual([{ line: 2, code: 'INVALID_ENCODING', message: expect.stringContaining('--encoding') }]);
    const sender = recordingSender();
    const gb18030 = await publishJsonl(bytes(gbLine), { sender, topic: 'ce', now: NOW, encoding: 'gb18030' });
    expect(gb18030.bad).toEqual([]);
    expect(decodeCaseEvent(sender.sent[0].value).event.departmentName).toBe('交通运输厅');
  });

  it('an attribute named __proto__ instead of dropping it', async () => {
    const summary = await publishJsonl(`${line(received)}\n{"kind":"RECEIVED","caseId":"SC9","departmentCode":"JTYST","departmentName":"交通运输厅","channel":"FULL_ONLINE","eventTime":"2025-09-01T00:30:00+08:00","sourceSystem":"s","sourceRecordId":"r9","attributes":{"__proto__":"x"}}`, {
      sender: recordingSender(),
      topic: 'ce',
      now: NOW,
    });
    expect(summary.bad).toEqual([{ line: 2, code: 'INVALID_FIELD', message: expect.stringContaining('__proto__') }]);
  });

  it('a line over the limit without holding it, and goes on', async () => {
    const sender = recordingSender();
    const huge = Buffer.alloc(10_000, 0x61);
    const summary = await publishJsonl(bytes(line(received), huge, huge, line({ ...received, caseId: 'SC2' })), { sender, topic: 'ce', now: NOW, maxLineBytes: 4096 });
    expect(summary.bad.map((b) => [b.line, b.code])).toEqual([
      [2, 'LINE_TOO_LONG'],
      [3, 'LINE_TOO_LONG'],
    ]);
    expect(sender.sent.map((m) => m.key)).toEqual(['SC1', 'SC2']);
  });

  it('an unknown encoding before reading anything', async () => {
    await expect(publishJsonl(line(received), { sender: recordingSender(), topic: 'ce', encoding: 'klingon' })).rejects.toThrow(/unknown text encoding "klingon"/);
  });

  it('personal data, without repeating it', async () => {
    const summary = await publishJsonl(line({ ...received, caseId: '11010519491231002X' }), { sender: recordingSender(), topic: 'ce', now: NOW });
    expect(summary.bad).toEqual([{ line: 1, code: 'PERSONAL_DATA', message: expect.not.stringContaining('1101051949') }]);
  });
});

describe('deriveEventId', () => {
  it('is stable and differs by kind', () => {
    expect(deriveEventId('s', 'r', 'RECEIVED')).toBe(deriveEventId('s', 'r', 'RECEIVED'));
    expect(deriveEventId('s', 'r', 'RECEIVED')).not.toBe(deriveEventId('s', 'r', 'COMPLETED'));
    expect(deriveEventId('s', 'r', 'RECEIVED')).toMatch(/^[a-z2-7]{32}$/); // sha1 in base32 (opaque-id.ts)
  });
});
