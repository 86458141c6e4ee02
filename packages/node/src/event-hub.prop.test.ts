/**
 * The resume rule of `GET /v1/events`: after `Last-Event-ID`, exactly the later events when they
 * are all still kept, in order; a single `reset` when some are not (too old, another run, or an
 * id the node never gave).
 */
import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { EventHub } from './event-hub.js';

const publishAll = (hub: EventHub, count: number) => {
  const ids: string[] = [];
  const unsubscribe = hub.subscribe((event) => ids.push(event.id));
  for (let i = 0; i < count; i++) hub.publish({ event: 'node', data: { i } });
  unsubscribe();
  return ids;
};

test.prop([
  fc.integer({ min: 1, max: 40 }),
  fc.nat({ max: 120 }),
  fc.integer({ min: -5, max: 130 }),
])('since(id) is every later event when all are kept, else one reset', (capacity, count, last) => {
  const hub = new EventHub(capacity);
  const ids = publishAll(hub, count);
  const run = (ids[0] ?? hub.since('x-0')[0]?.id ?? '').split('-')[0];
  const answer = hub.since(`${run}-${last}`);
  const oldestKept = Math.max(1, count - capacity + 1);
  if (last >= oldestKept - 1 && last <= count && last >= 0) {
    expect(answer.map((e) => e.id)).toEqual(ids.slice(last));
  } else {
    expect(answer).toHaveLength(1);
    expect(answer[0]).toMatchObject({ event: 'reset', id: `${run}-${count}` });
  }
  // Another run's ids never resume.
  expect(hub.since(`other-${count}`).map((e) => e.event)).toEqual(['reset']);
});
