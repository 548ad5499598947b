import { declaredTopics, ensureTopics } from '../../services/platform/topics.js';
import { testKafka, uniqueName } from '../fixtures/broker.js';

describe('topics ensure', () => {
  it('creates the declared topics once, then reports drift without changing them', async () => {
    const prefix = `${uniqueName('ensure')}.`;
    const topics = declaredTopics(prefix);
    expect(topics.map((t) => t.name)).toEqual([`${prefix}casepipe.case-events`, `${prefix}casepipe.case-events.dlq`, `${prefix}casepipe.connector-state`]);
    const admin = testKafka().admin();
    await admin.connect();
    try {
      const first = await ensureTopics(admin, topics);
      expect(first.created).toEqual(topics.map((t) => t.name));
      const meta = await admin.fetchTopicMetadata({ topics: [topics[0].name] });
      expect(meta.topics[0].partitions).toHaveLength(12);

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
