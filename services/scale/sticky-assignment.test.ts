import { AssignerProtocol } from 'kafkajs';
import { decodeClaim, encodeClaim, movedPartitions, planStickyAssignment, stickyAssigner } from './sticky-assignment.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const claims = (a: Map<string, number[]>) => [...a].map(([memberId, previous]) => ({ memberId, previous }));

function expectValid(plan: Map<string, number[]>, partitions: number[]): void {
  const all = [...plan.values()].flat().sort((a, b) => a - b);
  expect(all).toEqual(partitions); // every partition exactly once
  const sizes = [...plan.values()].map((ps) => ps.length);
  expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
}

describe('planStickyAssignment', () => {
  it('spreads a fresh group evenly', () => {
    const plan = planStickyAssignment([{ memberId: 'a', previous: [] }, { memberId: 'b', previous: [] }, { memberId: 'c', previous: [] }], range(12));
    expectValid(plan, range(12));
    expect([...plan.values()].map((p) => p.length)).toEqual([4, 4, 4]);
  });

  it('a member that joins takes only its share, from the others’ surplus', () => {
    const before = planStickyAssignment([{ memberId: 'a', previous: [] }, { memberId: 'b', previous: [] }], range(12));
    const after = planStickyAssignment([...claims(before), { memberId: 'c', previous: [] }], range(12));
    expectValid(after, range(12));
    expect(after.get('c')).toHaveLength(4);
    // Exactly c's four partitions moved; a and b kept the rest of theirs.
    expect(movedPartitions(before, after)).toEqual(after.get('c'));
    for (const m of ['a', 'b']) for (const p of after.get(m)!) expect(before.get(m)).toContain(p);
  });

  it('a member that leaves gives only its partitions away', () => {
    const before = planStickyAssignment(['a', 'b', 'c'].map((memberId) => ({ memberId, previous: [] })), range(12));
    const after = planStickyAssignment(claims(before).filter((c) => c.memberId !== 'b'), range(12));
    expectValid(after, range(12));
    expect(movedPartitions(before, after)).toEqual(before.get('b'));
  });

  it('an unchanged group moves nothing', () => {
    const before = planStickyAssignment(['a', 'b', 'c'].map((memberId) => ({ memberId, previous: [] })), range(10));
    const again = planStickyAssignment(claims(before), range(10));
    expect(movedPartitions(before, again)).toEqual([]);
  });

  it('moves the minimum through a long storm of joins and leaves, always balanced ±1', () => {
    let rng = 7;
    const random = () => ((rng = (rng * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const partitions = range(12);
    let current = new Map<string, number[]>([['m0', partitions]]);
    let nextId = 1;
    for (let round = 0; round < 200; round++) {
      const members = [...current.keys()];
      const leaver = members.length > 1 && random() < 0.5 ? members[Math.floor(random() * members.length)] : undefined;
      const next = leaver ? claims(current).filter((c) => c.memberId !== leaver) : [...claims(current), { memberId: `m${nextId++}`, previous: [] }];
      const plan = planStickyAssignment(next, partitions);
      expectValid(plan, partitions);
      // The least any balanced plan must move: the leaver's partitions plus what the members above
      // their share must give up (⌈n/m⌉ shares go to those holding most).
      const held = next.map((c) => c.previous.length).sort((a, b) => b - a);
      const base = Math.floor(partitions.length / next.length);
      const extra = partitions.length % next.length;
      const keepable = held.reduce((s, h, i) => s + Math.min(h, base + (i < extra ? 1 : 0)), 0);
      expect(movedPartitions(current, plan).length).toBe(partitions.length - keepable);
      current = plan;
    }
  });

  it('a partition claimed twice stays with one member, and unknown partitions are dropped', () => {
    const plan = planStickyAssignment([{ memberId: 'a', previous: [0, 1, 2, 99] }, { memberId: 'b', previous: [2, 3] }], range(4));
    expectValid(plan, range(4));
    expect(plan.get('a')).toEqual([0, 1]);
    expect(plan.get('b')).toEqual([2, 3]);
  });
});

describe('stickyAssigner (kafkajs protocol)', () => {
  it('reads the members’ claims from their metadata userData and answers with encoded assignments', async () => {
    const cluster = { findTopicPartitionMetadata: () => range(6).map((partitionId) => ({ partitionId })) };
    const assigner = stickyAssigner(() => ({ t: [0, 1, 2] }))({ cluster } as never);
    const meta = (owned: Record<string, number[]>) => AssignerProtocol.MemberMetadata.encode({ version: 0, topics: ['t'], userData: encodeClaim(owned) });
    expect(decodeClaim(AssignerProtocol.MemberMetadata.decode(assigner.protocol({ topics: ['t'] }).metadata)!.userData)).toEqual({ t: [0, 1, 2] });
    const out = await assigner.assign({
      members: [
        { memberId: 'a', memberMetadata: meta({ t: [0, 1, 2, 3, 4, 5] }) },
        { memberId: 'b', memberMetadata: meta({}) },
      ],
      topics: ['t'],
    } as never);
    const decoded = Object.fromEntries(out.map((o) => [o.memberId, AssignerProtocol.MemberAssignment.decode(o.memberAssignment)!.assignment.t]));
    expect(decoded).toEqual({ a: [0, 1, 2], b: [3, 4, 5] });
    expect(decodeClaim(Buffer.from('not json'))).toEqual({});
  });
});
