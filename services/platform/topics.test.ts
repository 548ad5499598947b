import { describe, expect, it } from '@jest/globals';
import { declaredTopics, replicationFor, type TopicDeclaration } from './topics.js';

const topic: TopicDeclaration = { name: 'casepipe.case-events', partitions: 12, replicationFactor: 3, minInsyncReplicas: 2, config: {} };

describe('replicationFor', () => {
  it('gives the declared replicas where the cluster has the brokers', () => {
    expect(replicationFor(topic, { brokers: 3, local: false }, false)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(replicationFor(topic, { brokers: 5, local: false }, false)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
  });

  it('gives a local single broker one replica, with a note', () => {
    const r = replicationFor(topic, { brokers: 1, local: true }, false);
    expect(r).toMatchObject({ replicationFactor: 1, minInsyncReplicas: 1 });
    expect(r.note).toMatch(/asks for 3 replicas .* the cluster has 1 broker.*loopback/);
  });

  it('refuses fewer than declared on a cluster that is not local, naming the way out', () => {
    for (const brokers of [1, 2]) {
      expect(() => replicationFor(topic, { brokers, local: false }, false)).toThrow(
        expect.objectContaining({ code: 'TOO_FEW_REPLICAS', message: expect.stringContaining('CASEPIPE_ALLOW_FEWER_REPLICAS=true') }),
      );
    }
  });

  it('refuses a declaration below 3 on a cluster that is not local, even with the brokers', () => {
    expect(() => replicationFor({ ...topic, replicationFactor: 2 }, { brokers: 3, local: false }, false)).toThrow(expect.objectContaining({ code: 'TOO_FEW_REPLICAS' }));
  });

  it('accepts fewer when the operator says so, keeping one broker loss survivable', () => {
    expect(replicationFor(topic, { brokers: 2, local: false }, true)).toMatchObject({ replicationFactor: 2, minInsyncReplicas: 1, note: expect.stringContaining('CASEPIPE_ALLOW_FEWER_REPLICAS=true') });
    expect(replicationFor({ ...topic, replicationFactor: 2 }, { brokers: 3, local: false }, true)).toEqual({ replicationFactor: 2, minInsyncReplicas: 2 });
  });

  it('reads the production values from infra/topics.json', () => {
    for (const t of declaredTopics()) expect(t).toMatchObject({ replicationFactor: 3, minInsyncReplicas: 2 });
  });
});
