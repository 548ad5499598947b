/**
 * The case event: what every department connector publishes and the stream worker counts.
 * Mirrors schemas/case-event.v1.avsc (a test checks the two agree). No personal data, ever.
 *
 * Times are UTC instants in epoch milliseconds; the month an event counts in is decided in
 * China Standard Time (see services/contract/month.ts).
 */
export const EVENT_KINDS = ['RECEIVED', 'COMPLETED', 'DELIVERED', 'CONSULTED', 'UNKNOWN'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export const CHANNELS = [
  'FULL_ONLINE', // 全程网办
  'COMPREHENSIVE_WINDOW', // 综合窗口
  'DEPARTMENT_WINDOW', // 部门窗口
  'PHONE', // 电话咨询
  'ONSITE', // 现场咨询
  'OTHER',
] as const;
export type Channel = (typeof CHANNELS)[number];

export const DELIVERY_METHODS = ['WINDOW_PICKUP', 'MAIL', 'ELECTRONIC', 'OTHER'] as const;
export type DeliveryMethod = (typeof DELIVERY_METHODS)[number];

export interface CaseEvent {
  /** Unique id of this copy of the event (tie-breaker: smallest wins). */
  eventId: string;
  kind: EventKind;
  /** 办件编号 / 申办流水号; for CONSULTED, the consultation record id. Also the Kafka key. */
  caseId: string;
  /** 进驻部门 code, e.g. `JTYST` (交通运输厅). */
  departmentCode: string;
  departmentName: string;
  /** 实施编码 of the service item, when the source has it. */
  itemCode: string | null;
  channel: Channel;
  /** Required for DELIVERED, null otherwise. */
  deliveryMethod: DeliveryMethod | null;
  /** UTC instant, epoch milliseconds. */
  eventTime: number;
  /** The department system that reported it (e.g. `jtyst-approval`, `comprehensive-window`). */
  sourceSystem: string;
  /** The record's id in that system. */
  sourceRecordId: string;
  /** Extra non-personal attributes (e.g. 即办件/承诺件). */
  attributes: Record<string, string>;
}
