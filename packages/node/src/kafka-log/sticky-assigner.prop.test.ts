/** The sticky assignment is complete, balanced and moves no partition it need not move. */

import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { assignSticky } from './sticky-assigner.js';

const groupArb = fc
  .record({
    partitions: fc.integer({ min: 1, max: 40 }),
    members: fc.integer({ min: 1, max: 8 }),
  })
  .chain(({ partitions, members }) =>
    fc.record({
      partitions: fc.constant(partitions),
      members: fc.array(
        fc.uniqueArray(fc.integer({ min: 0, max: partitions + 2 }), { maxLength: partitions }),
        {
          minLength: members,
          maxLength: members,
        },
      ),
    }),
  );

test.prop([groupArb])('assigns each partition once, evenly, keeping what it can', (group) => {
  const all = Array.from({ length: group.partitions }, (_, i) => i);
  const members = group.members.map((owned, i) => ({ memberId: `m${i}`, owned }));
  const result = assignSticky(members, all);
  const assigned = [...result.values()].flat().sort((a, b) => a - b);
  expect(assigned).toEqual(all);
  const sizes = [...result.values()].map((owned) => owned.length);
  expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  // Each member keeps, up to the even share, what it held and no earlier member (by id) kept.
  const min = Math.floor(all.length / members.length);
  const keptBefore = new Set<number>();
  for (const member of members) {
    const mine = result.get(member.memberId) ?? [];
    const held = new Set(member.owned.filter((p) => p < group.partitions && !keptBefore.has(p)));
    const kept = mine.filter((p) => held.has(p)).length;
    expect(kept).toBeGreaterThanOrEqual(Math.min(min, held.size));
    for (const p of mine) if (member.owned.includes(p)) keptBefore.add(p);
  }
});

test.prop([groupArb])('is deterministic whatever the member order', (group) => {
  const all = Array.from({ length: group.partitions }, (_, i) => i);
  const members = group.members.map((owned, i) => ({ memberId: `m${i}`, owned }));
  expect(assignSticky([...members].reverse(), all)).toEqual(assignSticky(members, all));
});
