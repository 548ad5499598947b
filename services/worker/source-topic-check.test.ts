import { sourceTopicMismatch, type SourceTopicState } from './source-topic-check.js';

const hw = (...highs: number[]) => new Map(highs.map((h, p) => [p, BigInt(h)]));
const stored = (...offsets: number[]) => new Map(offsets.map((o, p) => [p, BigInt(o)]));
const state = (s: Partial<SourceTopicState>): SourceTopicState => ({
  topic: 't',
  recordedPartitions: 3,
  storedOffsets: stored(10, 20, 30),
  highWatermarks: hw(10, 25, 40),
  ...s,
});

describe('sourceTopicMismatch', () => {
  it('accepts a store whose offsets are within the topic it recorded', () => {
    expect(sourceTopicMismatch(state({}))).toBeNull();
    expect(sourceTopicMismatch(state({ recordedPartitions: undefined, storedOffsets: new Map() }))).toBeNull();
  });

  it('refuses another partition count than the recorded one', () => {
    expect(sourceTopicMismatch(state({ highWatermarks: hw(10, 25) }))).toMatch(/built from t with 3 partitions, the topic now has 2/);
    expect(sourceTopicMismatch(state({ highWatermarks: hw(10, 25, 40, 0) }))).toMatch(/with 3 partitions, the topic now has 4/);
  });

  it('refuses a stored offset above the high watermark (a recreated topic, another cluster)', () => {
    expect(sourceTopicMismatch(state({ highWatermarks: hw(10, 19, 40) }))).toBe(
      'the live store has counted t[1] up to offset 20, but the topic ends at 19 (a recreated topic, or another cluster)',
    );
    // Equal is fine: everything was counted.
    expect(sourceTopicMismatch(state({ highWatermarks: hw(10, 20, 30) }))).toBeNull();
  });

  it('refuses offsets of a partition the topic no longer has when no count was recorded (a store from before the check)', () => {
    expect(sourceTopicMismatch(state({ recordedPartitions: undefined, highWatermarks: hw(10, 25) }))).toMatch(/counted partition 2 of t, which has only 2 partitions/);
  });
});
