import { describe, expect, it } from '@jest/globals';
import { decodeCaseEvent } from './codec.js';
import { deriveEventId } from './event-json.js';
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

describe('deriveEventId', () => {
  it('is stable and differs by kind', () => {
    expect(deriveEventId('s', 'r', 'RECEIVED')).toBe(deriveEventId('s', 'r', 'RECEIVED'));
    expect(deriveEventId('s', 'r', 'RECEIVED')).not.toBe(deriveEventId('s', 'r', 'COMPLETED'));
    expect(deriveEventId('s', 'r', 'RECEIVED')).toMatch(/^[0-9a-f]{40}$/);
  });
});
