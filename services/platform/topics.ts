/**
 * The topics casepipe uses, declared once in infra/topics.json. `ensureTopics` creates the missing
 * ones and reports drift (partitions, replicas or configs that differ from the declaration) without
 * touching a topic that already exists: changing a live topic is an operator's decision.
 *
 * Replicas: the declaration holds the production values (3 replicas, min.insync.replicas 2). A
 * cluster whose brokers all listen on loopback (the local broker, a developer's machine) gets as many
 * replicas as it has brokers, with a logged note. Any other cluster that cannot give the declared
 * replicas, or a declaration below 3, is refused (TOO_FEW_REPLICAS) unless the operator sets
 * CASEPIPE_ALLOW_FEWER_REPLICAS=true: one broker's disk must not be the only copy of the records.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Admin } from 'kafkajs';
import kafkajs from 'kafkajs';
import { z } from 'zod';
import { CasepipeError } from './errors.js';
import type { Logger } from './logger.js';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const TOPICS_FILE = path.join(PROJECT_ROOT, 'infra', 'topics.json');

const topicSchema = z.object({
  name: z.string().min(1),
  description: z.string().optional(),
  partitions: z.number().int().min(1),
  replicationFactor: z.number().int().min(1),
  minInsyncReplicas: z.number().int().min(1),
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

/** The smallest replication factor casepipe accepts on a cluster that is not on loopback. */
export const MIN_REPLICAS = 3;

export interface Replication {
  replicationFactor: number;
  minInsyncReplicas: number;
  /** Why fewer than declared, when so. */
  note?: string;
}

export interface ClusterShape {
  brokers: number;
  /** Every broker advertises a loopback address. */
  local: boolean;
}

/** The replicas a declared topic gets on this cluster, or TOO_FEW_REPLICAS (see the module comment). */
export function replicationFor(topic: TopicDeclaration, cluster: ClusterShape, allowFewer: boolean): Replication {
  const replicationFactor = Math.min(topic.replicationFactor, cluster.brokers);
  if (replicationFactor === topic.replicationFactor && (replicationFactor >= MIN_REPLICAS || cluster.local || allowFewer)) {
    return { replicationFactor, minInsyncReplicas: Math.min(topic.minInsyncReplicas, replicationFactor) };
  }
  const why =
    replicationFactor < topic.replicationFactor
      ? `infra/topics.json asks for ${topic.replicationFactor} replicas of ${topic.name} and the cluster has ${cluster.brokers} broker(s)`
      : `infra/topics.json asks for only ${topic.replicationFactor} replica(s) of ${topic.name}`;
  if (!cluster.local && !allowFewer) {
    throw new CasepipeError(
      'TOO_FEW_REPLICAS',
      `${why}; below ${MIN_REPLICAS} replicas one broker's disk can be the only copy of the records. ` +
        'Add brokers, or set CASEPIPE_ALLOW_FEWER_REPLICAS=true to accept fewer on purpose',
    );
  }
  // With fewer replicas than declared, keep one broker's loss survivable for acks=all writers.
  const minInsyncReplicas = Math.max(1, Math.min(topic.minInsyncReplicas, replicationFactor - 1));
  const reason = cluster.local ? 'every broker is on loopback (a local cluster)' : 'CASEPIPE_ALLOW_FEWER_REPLICAS=true';
  return { replicationFactor, minInsyncReplicas, note: `${why}: ${replicationFactor} replica(s), min.insync.replicas ${minInsyncReplicas}, because ${reason}` };
}

const LOOPBACK_RE = /^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\])$/i;

/** How many brokers the cluster has and whether they are all on loopback. */
export async function clusterShape(admin: Admin): Promise<ClusterShape> {
  const { brokers } = await admin.describeCluster();
  return { brokers: brokers.length, local: brokers.length > 0 && brokers.every((b) => LOOPBACK_RE.test(b.host)) };
}

export interface EnsureOptions {
  /** CASEPIPE_ALLOW_FEWER_REPLICAS. */
  allowFewerReplicas?: boolean;
  /** Where the note about fewer replicas goes. */
  logger?: Logger;
}

export interface EnsureReport {
  created: string[];
  existing: string[];
  drift: { topic: string; what: string; declared: string; actual: string }[];
}

export async function ensureTopics(admin: Admin, topics: TopicDeclaration[], options: EnsureOptions = {}): Promise<EnsureReport> {
  const cluster = await clusterShape(admin);
  const replication = new Map(topics.map((t) => [t.name, replicationFor(t, cluster, options.allowFewerReplicas ?? false)]));
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.name));
  if (missing.length > 0) {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((t) => {
        const r = replication.get(t.name)!;
        // Expected on a local single-broker cluster (info); a choice to look at anywhere else (warn).
        if (r.note) options.logger?.[cluster.local ? 'info' : 'warn']({ topic: t.name, ...r }, `creating ${t.name} with fewer replicas than declared: ${r.note}`);
        return {
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: r.replicationFactor,
          configEntries: [
            ...Object.entries(t.config).map(([name, value]) => ({ name, value })),
            { name: 'min.insync.replicas', value: String(r.minInsyncReplicas) },
          ],
        };
      }),
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
      const r = replication.get(t.name)!;
      const replicas = Math.min(...(m?.partitions ?? []).map((p) => p.replicas.length));
      if (m && replicas !== r.replicationFactor) {
        drift.push({ topic: t.name, what: 'replication factor', declared: String(r.replicationFactor), actual: String(replicas) });
      }
      const c = configs.resources.find((x) => x.resourceName === t.name);
      const expected = { ...t.config, 'min.insync.replicas': String(r.minInsyncReplicas) };
      for (const [name, value] of Object.entries(expected)) {
        const actual = c?.configEntries.find((e) => e.configName === name)?.configValue;
        if (actual !== value) drift.push({ topic: t.name, what: name, declared: value, actual: String(actual) });
      }
    }
  }
  return { created: missing.map((t) => t.name), existing: present.map((t) => t.name), drift };
}

/**
 * The topic's offsets. Right after the topic was created its partitions may still be electing
 * leaders (NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE): retriable errors are retried for a while.
 */
export async function topicOffsets(admin: Admin, topic: string): ReturnType<Admin['fetchTopicOffsets']> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (err) {
      if ((err as { retriable?: boolean }).retriable !== true || attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
    }
  }
}
