/**
 * Sticky partition assignment for the worker group. Moving a partition costs a replay of its history
 * on the new owner (docs/scale-out.md), so the leader keeps every partition where it is as long as the
 * counts stay balanced (each member gets ⌊n/m⌋ or ⌈n/m⌉), and moves only what must move: the
 * partitions of members that left, and the surplus of members above their share.
 *
 * Each member says what it owns in its join metadata (`userData`, JSON), so a new leader plans from
 * the members' own word, not from its memory of the last round.
 */
import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

export interface MemberClaim {
  memberId: string;
  /** Partitions the member owned before this rebalance (from its userData). */
  previous: number[];
}

/**
 * The new assignment: every partition to exactly one member, counts within ±1, and as few moves as
 * possible. Deterministic for the same input. A partition claimed by two members (a member that was
 * thought dead came back) stays with the one that claims fewer, ties broken by member id.
 */
export function planStickyAssignment(members: MemberClaim[], partitions: number[]): Map<string, number[]> {
  const result = new Map<string, number[]>();
  if (members.length === 0) return result;
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  const valid = new Set(partitions);
  // One claimant per partition.
  const owner = new Map<number, string>();
  const claims = new Map(sorted.map((m) => [m.memberId, new Set(m.previous.filter((p) => valid.has(p)))]));
  for (const m of sorted) {
    for (const p of claims.get(m.memberId)!) {
      const other = owner.get(p);
      if (other === undefined) owner.set(p, m.memberId);
      else if (claims.get(other)!.size > claims.get(m.memberId)!.size) owner.set(p, m.memberId);
    }
  }
  const kept = new Map<string, number[]>(sorted.map((m) => [m.memberId, []]));
  for (const p of [...owner.keys()].sort((a, b) => a - b)) kept.get(owner.get(p)!)!.push(p);

  // Quotas: the ⌈n/m⌉ shares go to the members that already hold the most, which minimizes moves.
  const base = Math.floor(partitions.length / sorted.length);
  let bigger = partitions.length % sorted.length;
  const byHeld = [...sorted].sort((a, b) => kept.get(b.memberId)!.length - kept.get(a.memberId)!.length);
  const quota = new Map<string, number>();
  for (const m of byHeld) quota.set(m.memberId, base + (bigger-- > 0 ? 1 : 0));

  const free: number[] = partitions.filter((p) => !owner.has(p));
  for (const m of sorted) {
    const mine = kept.get(m.memberId)!;
    const q = quota.get(m.memberId)!;
    // The surplus goes back to the pool; the highest partitions go, so the choice is stable.
    if (mine.length > q) free.push(...mine.splice(q));
    result.set(m.memberId, mine);
  }
  free.sort((a, b) => a - b);
  for (const m of sorted) {
    const mine = result.get(m.memberId)!;
    const q = quota.get(m.memberId)!;
    while (mine.length < q) mine.push(free.shift()!);
    mine.sort((a, b) => a - b);
  }
  return result;
}

/** Partitions that change owner between two assignments (a partition new to the topic counts as a move). */
export function movedPartitions(before: Map<string, number[]>, after: Map<string, number[]>): number[] {
  const was = new Map<number, string>();
  for (const [m, ps] of before) for (const p of ps) was.set(p, m);
  const moved: number[] = [];
  for (const [m, ps] of after) for (const p of ps) if (was.get(p) !== m) moved.push(p);
  return moved.sort((a, b) => a - b);
}

export const STICKY_ASSIGNER_NAME = 'CasepipeSticky';

interface ClaimData {
  /** topic → partitions owned before this rebalance. */
  owned: Record<string, number[]>;
}

export function encodeClaim(owned: Record<string, number[]>): Buffer {
  return Buffer.from(JSON.stringify({ owned } satisfies ClaimData));
}

export function decodeClaim(userData: Buffer | null | undefined): Record<string, number[]> {
  if (!userData || userData.length === 0) return {};
  try {
    const data = JSON.parse(userData.toString('utf8')) as Partial<ClaimData>;
    return data.owned && typeof data.owned === 'object' ? data.owned : {};
  } catch {
    return {}; // a member of an older release: it claims nothing
  }
}

/**
 * The kafkajs assigner. `owned()` is what this member holds now (sent in its join metadata); the
 * leader reads every member's and plans each subscribed topic with planStickyAssignment.
 */
export function stickyAssigner(owned: () => Record<string, number[]>): PartitionAssigner {
  return ({ cluster }) => ({
    name: STICKY_ASSIGNER_NAME,
    version: 0,
    async assign({ members, topics }) {
      const claims = members.map((m) => ({ memberId: m.memberId, owned: decodeClaim(AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.userData) }));
      const assignment = new Map<string, Record<string, number[]>>(members.map((m) => [m.memberId, {}]));
      for (const topic of topics) {
        const partitions = cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId);
        const plan = planStickyAssignment(
          claims.map((c) => ({ memberId: c.memberId, previous: c.owned[topic] ?? [] })),
          partitions,
        );
        for (const [memberId, ps] of plan) assignment.get(memberId)![topic] = ps;
      }
      return [...assignment].map(([memberId, a]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: a, userData: Buffer.alloc(0) }),
      }));
    },
    protocol({ topics }) {
      return {
        name: STICKY_ASSIGNER_NAME,
        metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: encodeClaim(owned()) }),
      };
    },
  });
}
