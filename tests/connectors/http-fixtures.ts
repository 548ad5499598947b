/**
 * Pieces for the http-poll and webhook integration tests: department files derived from the real
 * pipelines/departments/GAT.yaml and MZT.yaml (source settings patched to point at the test's own
 * server), items as those departments send them (with planted personal data), the event ids those
 * items must become, and the case events on a topic.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import YAML from 'yaml';
import { decodeCaseEvent } from '../../services/contract/codec.js';
import type { CaseEvent } from '../../services/contract/case-event.js';
import { deriveEventId } from '../../services/contract/event-json.js';
import { loadDepartmentFile, type Department } from '../../services/departments/department-file.js';
import { PROJECT_ROOT } from '../fixtures/test-broker-state.js';
import { idNumber, readTopic } from './connector-fixtures.js';

/** The real department file `code.yaml`, its code and source patched, written to `dir`, loaded. */
export function patchedDepartment(dir: string, from: 'GAT' | 'MZT', code: string, source: Record<string, unknown>, top: Record<string, unknown> = {}): Department {
  const doc = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'pipelines', 'departments', `${from}.yaml`), 'utf8')) as Record<string, unknown>;
  doc.code = code;
  delete doc.sample;
  doc.source = { ...(doc.source as object), ...source };
  Object.assign(doc, top);
  const file = path.join(dir, `${code}.yaml`);
  fs.writeFileSync(file, YAML.stringify(doc));
  return loadDepartmentFile(file);
}

export type GatItem = Record<string, unknown> & { milestoneId: string; stage: 'ACCEPTED' | 'FINISHED' | 'DELIVERED'; updatedAt: string };

/** Milestones as the 公安厅 API lists them; `minute` spreads their update times. */
export function gatItems(tag: string, count: number, first = 0): GatItem[] {
  return Array.from({ length: count }, (_, k) => {
    const j = first + k;
    const stage = (['ACCEPTED', 'FINISHED', 'DELIVERED'] as const)[j % 3];
    const t = `2025-08-${String(1 + (j % 28)).padStart(2, '0')} ${String(8 + (j % 10)).padStart(2, '0')}:${String(j % 60).padStart(2, '0')}:00`;
    return {
      milestoneId: `${tag}-${j}`,
      caseNo: `GA-${tag}-${Math.floor(j / 3)}`,
      stage,
      channel: stage === 'ACCEPTED' && j % 2 === 0 ? 'HALL_COMPREHENSIVE' : 'ONLINE',
      occurredAt: t,
      updatedAt: `2025-09-01 10:${String(j % 60).padStart(2, '0')}:00`,
      applicant: { name: '王芳', idNumber: idNumber(j), mobile: `139${String(10_000_000 + j).slice(-8)}` },
      delivery: stage === 'DELIVERED' ? { method: j % 2 ? 'POST' : 'PICKUP', address: `成都市锦江区红星路${j}号` } : { method: null, address: null },
    };
  });
}

const GAT_KIND = { ACCEPTED: 'RECEIVED', FINISHED: 'COMPLETED', DELIVERED: 'DELIVERED' } as const;

export function gatEventId(item: GatItem): string {
  return deriveEventId('gat-zwfw', item.milestoneId, GAT_KIND[item.stage]);
}

export type MztItem = Record<string, unknown> & { 事件编号: string; 环节: '受理' | '办结' | '送达' };

/** Milestones as the 民政厅 system pushes them. */
export function mztItems(tag: string, count: number, first = 0): MztItem[] {
  return Array.from({ length: count }, (_, k) => {
    const j = first + k;
    const step = (['受理', '办结', '送达'] as const)[j % 3];
    return {
      事件编号: `${tag}-${j}`,
      办件编号: `MZ-${tag}-${Math.floor(j / 3)}`,
      环节: step,
      办理渠道: step === '受理' && j % 2 === 0 ? '综合窗口' : '网上办理',
      送达方式: step === '送达' ? '邮寄' : null,
      发生时间: `2025-08-${String(1 + (j % 28)).padStart(2, '0')}T09:${String(j % 60).padStart(2, '0')}:00+08:00`,
      申请人: { 姓名: '李娜', 身份证号: idNumber(j + 7), 手机号: `138${String(20_000_000 + j).slice(-8)}` },
    };
  });
}

export function mztEventId(item: MztItem): string {
  return deriveEventId('mzt-ywxt', item.事件编号, ({ 受理: 'RECEIVED', 办结: 'COMPLETED', 送达: 'DELIVERED' } as const)[item.环节]);
}

export async function topicEvents(kafka: Kafka, topic: string): Promise<CaseEvent[]> {
  return (await readTopic(kafka, topic)).map((r) => decodeCaseEvent(r.value).event);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
