/** Sample events for tests and the benchmark: one valid event of every kind. */
import type { CaseEvent, EventKind } from './case-event.js';

const AUG_31_1630Z = Date.UTC(2025, 7, 31, 16, 30); // 2025-09-01 00:30 CST

export function sampleEvent(kind: Exclude<EventKind, 'UNKNOWN'> = 'RECEIVED', overrides: Partial<CaseEvent> = {}): CaseEvent {
  const base: CaseEvent = {
    eventId: `evt-${kind.toLowerCase()}-0001`,
    kind,
    caseId: 'SC20250831000123',
    departmentCode: 'JTYST',
    departmentName: '交通运输厅',
    itemCode: '511A0138000000-511602000000-000-115113010833722043-1-00',
    channel: 'FULL_ONLINE',
    deliveryMethod: null,
    eventTime: AUG_31_1630Z,
    sourceSystem: 'jtyst-approval',
    sourceRecordId: 'row-42',
    attributes: { 办件类型: '承诺件' },
  };
  if (kind === 'DELIVERED') Object.assign(base, { channel: 'COMPREHENSIVE_WINDOW', deliveryMethod: 'WINDOW_PICKUP' });
  if (kind === 'CONSULTED') Object.assign(base, { caseId: 'ZX-2025-0831-7', channel: 'PHONE', itemCode: null, attributes: {} });
  return { ...base, ...overrides };
}
