import { Writable } from 'node:stream';
import kafkajs from 'kafkajs';
import { createLogger } from '../../services/platform/logger.js';
import { clusterShape, declaredTopics, ensureTopics } from '../../services/platform/topics.js';
import { testKafka, uniqueName } from '../fixtures/broker.js';

describe('topics ensure', () => {
  it('creates the declared topics once, then reports drift without changing them', async () => {
    const prefix = `${uniqueName('ensure')}.`;
    const topics = declaredTopics(prefix);
    expect(topics.map((t) => t.name)).toEqual([`${prefix}casepipe.case-events`, `${prefix}casepipe.case-events.dlq`, `${prefix}casepipe.connector-state`]);
    const admin = testKafka().admin();
    await admin.connect();
    const logs: string[] = [];
    const logger = createLogger({ level: 'info' }, new Writable({ write: (chunk, _enc, cb) => (logs.push(String(chunk)), cb()) }));
    try {
      // The test broker is one node on loopback: the declared 3 replicas become 1, with a note.
      expect(await clusterShape(admin)).toEqual({ brokers: 1, local: true });
      const first = await ensureTopics(admin, topics, { logger });
      expect(first.created).toEqual(topics.map((t) => t.name));
      const meta = await admin.fetchTopicMetadata({ topics: [topics[0].name] });
      expect(meta.topics[0].partitions).toHaveLength(12);
      expect(meta.topics[0].partitions.every((p) => p.replicas.length === 1)).toBe(true);
      const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topics[0].name, configNames: ['min.insync.replicas'] }] });
      expect(configs.resources[0].configEntries[0]).toMatchObject({ configName: 'min.insync.replicas', configValue: '1', isDefault: false });
      expect(logs.filter((l) => l.includes('fewer replicas than declared'))).toHaveLength(topics.length);

      const second = await ensureTopics(admin, topics);
      expect(second.created).toEqual([]);
      expect(second.drift).toEqual([]);

      const drifted = await ensureTopics(admin, [{ ...topics[0], partitions: 6, config: { 'retention.ms': '1000' } }]);
      expect(drifted.drift).toEqual([
        { topic: topics[0].name, what: 'partitions', declared: '6', actual: '12' },
        { topic: topics[0].name, what: 'retention.ms', declared: '1000', actual: '-1' },
      ]);
      await admin.deleteTopics({ topics: topics.map((t) => t.name) });
    } finally {
      await admin.disconnect();
    }
  });
});
