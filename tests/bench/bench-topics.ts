/** Fresh topics for one bench run on the bench's broker, so runs never read each other's records. */
import { randomBytes } from 'node:crypto';
import type { Admin } from 'kafkajs';
import { CONNECTOR_STATE } from '../../services/connectors/connector-state.js';
import { CASE_EVENTS, CASE_EVENTS_DLQ, topicOffsets } from '../../services/platform/topics.js';

export interface BenchTopics {
  /** The run's topic prefix (CASEPIPE_TOPIC_PREFIX for a worker on these topics). */
  prefix: string;
  caseEvents: string;
  deadLetters: string;
  /** Only when asked for (the connectors' benches): compacted, as infra/topics.json has it. */
  connectorState: string;
}

/**
 * Creates a 12-partition case-events topic, its dead-letter topic and, with `connectorState`, the
 * connectors' state topic, under a new prefix; waits until every leader answers (on a busy broker a new
 * topic's leader can still be moving after createTopics returns).
 */
export async function createBenchTopics(admin: Admin, opts: { connectorState?: boolean } = {}): Promise<BenchTopics> {
  const prefix = `bench-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}.`;
  const topics = { caseEvents: prefix + CASE_EVENTS, deadLetters: prefix + CASE_EVENTS_DLQ, connectorState: prefix + CONNECTOR_STATE };
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: topics.caseEvents, numPartitions: 12, replicationFactor: 1 },
      { topic: topics.deadLetters, numPartitions: 1, replicationFactor: 1 },
      ...(opts.connectorState ? [{ topic: topics.connectorState, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] : []),
    ],
  });
  const created = opts.connectorState ? Object.values(topics) : [topics.caseEvents, topics.deadLetters];
  for (const topic of created) await topicOffsets(admin, topic);
  return { prefix, ...topics };
}
