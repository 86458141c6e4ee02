import { describe, expect, it } from 'vitest';
import { MinHeap } from './min-heap.js';
import { RetryScheduler } from './retry-scheduler.js';
import { SimulatedClock } from './testing/index.js';

describe('RetryScheduler', () => {
  it('fires each id once when due, in due order, on one armed timer', () => {
    const clock = new SimulatedClock(0);
    const fired: string[] = [];
    const scheduler = new RetryScheduler(clock, (id) => fired.push(`${id}@${clock.now()}`));
    scheduler.schedule('b', 200);
    scheduler.schedule('a', 100);
    scheduler.schedule('c', 300);
    scheduler.schedule('c', 50); // rescheduled earlier
    expect(clock.pending).toBe(1);
    expect(scheduler.dueAt('a')).toBe(100);
    scheduler.cancel('b');
    clock.advance(1000);
    expect(fired).toEqual(['c@50', 'a@100']);
    expect(scheduler.size).toBe(0);
  });

  it('hurries later schedules and clears everything', () => {
    const clock = new SimulatedClock(0);
    const fired: string[] = [];
    const scheduler = new RetryScheduler(clock, (id) => fired.push(id));
    scheduler.schedule('x', 5000);
    scheduler.schedule('y', 10);
    scheduler.hurry(100, () => 20);
    expect(scheduler.dueAt('x')).toBe(20);
    expect(scheduler.dueAt('y')).toBe(10);
    scheduler.clear();
    clock.advance(10_000);
    expect(fired).toEqual([]);
    expect(clock.pending).toBe(0);
  });
});

describe('MinHeap', () => {
  it('pops in key order', () => {
    const heap = new MinHeap<string>();
    for (const [k, v] of [
      [5, 'e'],
      [1, 'a'],
      [3, 'c'],
      [2, 'b'],
      [4, 'd'],
    ] as const)
      heap.push(k, v);
    expect(heap.size).toBe(5);
    const out: (string | undefined)[] = [];
    while (heap.size > 0) out.push(heap.pop());
    expect(out).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(heap.pop()).toBeUndefined();
  });
});
