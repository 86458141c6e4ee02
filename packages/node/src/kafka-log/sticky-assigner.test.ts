import { AssignerProtocol } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  assignSticky,
  decodeOwned,
  encodeOwned,
  stickyAssigner,
  stickyAssignerName,
} from './sticky-assigner.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

function counts(assignment: Map<string, number[]>): number[] {
  return [...assignment.values()].map((owned) => owned.length);
}

describe('assignSticky', () => {
  it('splits fresh partitions evenly', () => {
    const result = assignSticky(
      [
        { memberId: 'b', owned: [] },
        { memberId: 'a', owned: [] },
      ],
      range(12),
    );
    expect(result.get('a')).toEqual([0, 2, 4, 6, 8, 10]);
    expect(result.get('b')).toEqual([1, 3, 5, 7, 9, 11]);
  });

  it('keeps what a member holds and gives a newcomer only the surplus', () => {
    const result = assignSticky(
      [
        { memberId: 'a', owned: range(12) },
        { memberId: 'c', owned: [] },
        { memberId: 'b', owned: [] },
      ],
      range(12),
    );
    expect(result.get('a')).toEqual([0, 1, 2, 3]);
    expect(counts(result)).toEqual([4, 4, 4]);
    const moved = [...(result.get('b') ?? []), ...(result.get('c') ?? [])].sort((x, y) => x - y);
    expect(moved).toEqual(range(12).slice(4));
  });

  it('hands a leaver partitions to the others without moving theirs', () => {
    const result = assignSticky(
      [
        { memberId: 'a', owned: [0, 3, 6, 9] },
        { memberId: 'c', owned: [2, 5, 8, 11] },
      ],
      range(12),
    );
    expect(result.get('a')?.filter((p) => [0, 3, 6, 9].includes(p))).toEqual([0, 3, 6, 9]);
    expect(result.get('c')?.filter((p) => [2, 5, 8, 11].includes(p))).toEqual([2, 5, 8, 11]);
    expect(counts(result)).toEqual([6, 6]);
  });

  it('gives a partition two members claim to the first by id', () => {
    const result = assignSticky(
      [
        { memberId: 'b', owned: [0, 1] },
        { memberId: 'a', owned: [1, 2] },
      ],
      range(4),
    );
    expect(result.get('a')).toEqual([1, 2]);
    expect(result.get('b')).toEqual([0, 3]);
  });

  it('gives a partition two members claim to the newer epoch', () => {
    const result = assignSticky(
      [
        {
          memberId: 'a',
          owned: [0, 1, 2, 3],
          epochs: new Map([
            [0, 5],
            [1, 5],
            [2, 5],
            [3, 5],
          ]),
        },
        {
          memberId: 'b',
          owned: [0, 1, 2, 3],
          epochs: new Map([
            [0, 9],
            [1, 9],
            [2, 9],
            [3, 9],
          ]),
        },
      ],
      range(4),
    );
    expect(result.get('b')).toEqual([0, 1]);
    expect(result.get('a')).toEqual([2, 3]);
  });

  it('ignores held partitions the topic does not have and caps a member at its share', () => {
    const result = assignSticky(
      [
        { memberId: 'a', owned: [0, 1, 2, 7, 99] },
        { memberId: 'b', owned: [] },
        { memberId: 'c', owned: [] },
      ],
      range(8),
    );
    expect(result.get('a')).toEqual([0, 1, 2]);
    expect(counts(result).sort()).toEqual([2, 3, 3]);
  });

  it('assigns nothing to an empty group', () => {
    expect(assignSticky([], range(4)).size).toBe(0);
  });
});

describe('userData', () => {
  it('round-trips the held partitions and reads foreign data as none', () => {
    const held = new Map([
      [3, 10],
      [1, -1],
    ]);
    expect(decodeOwned(encodeOwned(held))).toEqual(held);
    expect(decodeOwned(Buffer.from('not json')).size).toBe(0);
    expect(decodeOwned(Buffer.from('{"v":2,"held":[[1,1]]}')).size).toBe(0);
    expect(decodeOwned(Buffer.alloc(0)).size).toBe(0);
  });
});

describe('stickyAssigner', () => {
  it('speaks the kafkajs assigner protocol', async () => {
    const cluster = {
      findTopicPartitionMetadata: () => range(4).map((partitionId) => ({ partitionId })),
    };
    const factory = stickyAssigner(
      () =>
        new Map([
          [2, 7],
          [3, 7],
        ]),
    );
    const assigner = factory({ cluster, groupId: 'g', logger: {} } as never);
    const protocol = assigner.protocol({ topics: ['t'] });
    expect(protocol.name).toBe(stickyAssignerName);
    const members = [
      { memberId: 'm1', memberMetadata: protocol.metadata },
      {
        memberId: 'm2',
        memberMetadata: AssignerProtocol.MemberMetadata.encode({
          version: 1,
          topics: ['t'],
          userData: Buffer.alloc(0),
        }),
      },
    ];
    const result = await assigner.assign({ members, topics: ['t'] });
    const decoded = Object.fromEntries(
      result.map((r) => [
        r.memberId,
        AssignerProtocol.MemberAssignment.decode(r.memberAssignment)?.assignment.t,
      ]),
    );
    expect(decoded).toEqual({ m1: [2, 3], m2: [0, 1] });
  });
});
