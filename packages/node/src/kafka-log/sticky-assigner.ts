import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

/** One group member as the sticky assignment sees it. */
export interface StickyMember {
  readonly memberId: string;
  /** The partitions the member holds now (it has claimed them and not given them up). */
  readonly owned: readonly number[];
  /** The epoch (CLAIM offset) under which it holds each; unknown counts as -1. */
  readonly epochs?: ReadonlyMap<number, number>;
}

/**
 * Spreads `partitions` over `members` so that counts differ by at most one, moving as few
 * partitions as possible: each member keeps what it holds, up to its share; a partition given
 * back (over a member's share) goes to another member that held it if it is below its share; the
 * rest (new or orphaned) goes to the members with the fewest, lowest id first. A partition two
 * members claim stays with the one holding it under the newer epoch (a node that was paused
 * still lists what others have claimed since), then the first in id order. Deterministic in its
 * inputs.
 * Returns every member's partitions, ascending.
 */
export function assignSticky(
  members: readonly StickyMember[],
  partitions: readonly number[],
): Map<string, number[]> {
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
  const result = new Map<string, number[]>(sorted.map((m) => [m.memberId, []]));
  if (sorted.length === 0) return result;
  const all = [...new Set(partitions)].sort((a, b) => a - b);
  const min = Math.floor(all.length / sorted.length);
  const max = Math.ceil(all.length / sorted.length);
  /** How many members may end with `max` partitions when the division is not even. */
  let fullSlots = max > min ? all.length % sorted.length : sorted.length;
  const free = new Set(all);
  const claims = sorted
    .flatMap((member, rank) =>
      [...new Set(member.owned)].map((p) => ({
        member,
        rank,
        p,
        epoch: member.epochs?.get(p) ?? -1,
      })),
    )
    .sort((a, b) => b.epoch - a.epoch || a.rank - b.rank || a.p - b.p);
  for (const { member, p } of claims) {
    const kept = result.get(member.memberId) as number[];
    if (kept.length < max && free.delete(p)) kept.push(p);
  }
  // Members over `min` beyond the slots for `max` give one partition back (their last claim).
  for (const member of sorted) {
    const kept = result.get(member.memberId) as number[];
    if (kept.length < max || max === min) continue;
    if (fullSlots > 0) fullSlots -= 1;
    else free.add(kept.pop() as number);
  }
  // Partitions given back go first to another member that held them, up to the even share.
  for (const { member, p } of claims) {
    const kept = result.get(member.memberId) as number[];
    if (kept.length < min && free.delete(p)) kept.push(p);
  }
  for (const p of [...free].sort((a, b) => a - b)) {
    let target = sorted[0] as StickyMember;
    for (const member of sorted) {
      const count = (result.get(member.memberId) as number[]).length;
      if (count < (result.get(target.memberId) as number[]).length) target = member;
    }
    (result.get(target.memberId) as number[]).push(p);
  }
  for (const owned of result.values()) owned.sort((a, b) => a - b);
  return result;
}

export const stickyAssignerName = 'coordinator-sticky';
const userDataVersion = 1;

/** The member's userData: what it holds and under which epoch, so the leader keeps it there. */
export function encodeOwned(held: ReadonlyMap<number, number>): Buffer {
  return Buffer.from(JSON.stringify({ v: userDataVersion, held: [...held] }));
}

/** What a member's userData says it holds (partition → epoch); none for data this build cannot read. */
export function decodeOwned(userData: Buffer | null | undefined): Map<number, number> {
  const held = new Map<number, number>();
  if (!userData || userData.length === 0) return held;
  try {
    const value = JSON.parse(userData.toString('utf8')) as { v?: unknown; held?: unknown };
    if (value.v !== userDataVersion || !Array.isArray(value.held)) return held;
    for (const entry of value.held) {
      if (!Array.isArray(entry)) continue;
      const [p, epoch] = entry as unknown[];
      if (Number.isSafeInteger(p) && (p as number) >= 0 && Number.isSafeInteger(epoch)) {
        held.set(p as number, epoch as number);
      }
    }
  } catch {
    return held;
  }
  return held;
}

/**
 * A kafkajs partition assigner for one topic that keeps partitions where they are across
 * rebalances (kafkajs only ships round-robin, which reshuffles, and each moved partition costs a
 * replay). Every member advertises `held()` (partition → epoch) in its userData; the leader runs
 * {@link assignSticky}.
 */
export function stickyAssigner(held: () => ReadonlyMap<number, number>): PartitionAssigner {
  return ({ cluster }) => ({
    name: stickyAssignerName,
    version: 1,
    async assign({ members, topics }) {
      const byMember = new Map<string, Record<string, number[]>>(
        members.map((m) => [m.memberId, {}]),
      );
      for (const topic of topics) {
        const partitions = cluster.findTopicPartitionMetadata(topic).map((m) => m.partitionId);
        const sticky = members.map((m) => {
          const epochs = decodeOwned(
            AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.userData,
          );
          return { memberId: m.memberId, owned: [...epochs.keys()], epochs };
        });
        for (const [memberId, owned] of assignSticky(sticky, partitions)) {
          (byMember.get(memberId) as Record<string, number[]>)[topic] = owned;
        }
      }
      return [...byMember].map(([memberId, assignment]) => ({
        memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment,
          userData: Buffer.alloc(0),
        }),
      }));
    },
    protocol({ topics }) {
      return {
        name: stickyAssignerName,
        metadata: AssignerProtocol.MemberMetadata.encode({
          version: 1,
          topics,
          userData: encodeOwned(held()),
        }),
      };
    },
  });
}
