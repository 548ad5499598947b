/**
 * The topics casepipe uses, declared once in infra/topics.json. `ensureTopics` creates the missing
 * ones and reports drift (partitions or configs that differ from the declaration) without touching
 * a topic that already exists: changing a live topic is an operator's decision.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Admin } from 'kafkajs';
import kafkajs from 'kafkajs';
import { z } from 'zod';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TOPICS_FILE = path.join(PROJECT_ROOT, 'infra', 'topics.json');

const topicSchema = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  partitions: z.number().int().min(1),
  config: z.record(z.string(), z.string()).default({}),
});
const fileSchema = z.object({ topics: z.array(topicSchema).min(1) });
export type TopicDeclaration = z.infer<typeof topicSchema>;

export const CASE_EVENTS = 'casepipe.case-events';
export const CASE_EVENTS_DLQ = 'casepipe.case-events.dlq';

export function declaredTopics(prefix = '', file = TOPICS_FILE): TopicDeclaration[] {
  const parsed = fileSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  return parsed.topics.map((t) => ({ ...t, name: prefix + t.name }));
}

export interface EnsureReport {
  created: string[];
  existing: string[];
  drift: { topic: string; what: string; declared: string; actual: string }[];
}

export async function ensureTopics(admin: Admin, topics: TopicDeclaration[]): Promise<EnsureReport> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.name));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((t) => ({
        topic: t.name,
        numPartitions: t.partitions,
        replicationFactor: 1,
        configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
      })),
    });
  }
  const present = topics.filter((t) => existing.has(t.name));
  const drift: EnsureReport['drift'] = [];
  if (present.length > 0) {
    const meta = await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: present.map((t) => ({ type: kafkajs.ConfigResourceTypes.TOPIC, name: t.name })),
    });
    for (const t of present) {
      const m = meta.topics.find((x) => x.name === t.name);
      if (m && m.partitions.length !== t.partitions) {
        drift.push({ topic: t.name, what: 'partitions', declared: String(t.partitions), actual: String(m.partitions.length) });
      }
      const c = configs.resources.find((r) => r.resourceName === t.name);
      for (const [name, value] of Object.entries(t.config)) {
        const actual = c?.configEntries.find((e) => e.configName === name)?.configValue;
        if (actual !== value) drift.push({ topic: t.name, what: name, declared: value, actual: String(actual) });
      }
    }
  }
  return { created: missing.map((t) => t.name), existing: present.map((t) => t.name), drift };
}
