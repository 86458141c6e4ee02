/**
 * `GET /v1/events` on a real node process: every transition of a Command in order, the type and
 * id filters, resuming with `Last-Event-ID` without a gap or a repeat (and a `reset` when the
 * events are no longer kept), node events for suspension, and many subscribers at once each
 * getting every event.
 */
import { expect, it } from 'vitest';
import { nodeFixture } from './support/node-fixture.js';
import { getCommand, submit } from './support/node-process.js';
import { openEvents, type ReceivedEvent } from './support/sse-client.js';
import { waitFor } from './support/wait-for.js';

const fixture = nodeFixture({ args: ['--slow-retry-interval', '300', '--jitter', '50'] });

const order = (id: string, sku = 'SKU-1') => ({
  type: 'order',
  id,
  payload: { sku, qty: 1, amount: 10 },
});
const seq = (event: ReceivedEvent) => Number(event.id.split('-')[1]);
const isDone = (id: string) => (e: ReceivedEvent) => e.data.id === id && e.data.key === 'done';

it("streams each of a Command's transitions in order, from its start to done", async () => {
  const node = await fixture.node();
  const events = await openEvents(node.url);
  try {
    expect((await submit(node.url, order('ev-1'), { wait: 10_000 })).body.state).toBe('done');
    await events.until('ev-1 done', isDone('ev-1'));
    const mine = events.of('ev-1');
    expect(mine.map((e) => e.data.record)).toEqual([
      'started',
      'outcome',
      'outcome',
      'outcome',
      'done',
    ]);
    expect(mine.map((e) => e.data.key)).toEqual([
      'executing.reserve',
      'executing.charge',
      'executing.ship',
      'executing.completed',
      'done',
    ]);
    // Each event starts where the one before ended, names its type and time, and ids grow by one.
    for (const [i, event] of mine.entries()) {
      expect(event.data).toMatchObject({ type: 'order', at: expect.any(Number) });
      if (i > 0) expect(event.data.fromKey).toBe(mine[i - 1]?.data.key);
    }
    const all = events.events.map(seq);
    expect(all).toEqual(all.map((_, i) => (all[0] as number) + i));
  } finally {
    events.close();
  }
});

it('keeps only the Commands of the type or id asked for', async () => {
  const node = await fixture.node();
  const byId = await openEvents(node.url, { query: '?id=f-2' });
  const byType = await openEvents(node.url, { query: '?type=order' });
  const otherType = await openEvents(node.url, { query: '?type=refund' });
  try {
    for (const id of ['f-1', 'f-2', 'f-3']) await submit(node.url, order(id), { wait: 10_000 });
    await byType.until('f-3 done', isDone('f-3'));
    await byId.until('f-2 done', isDone('f-2'));
    expect(new Set(byId.events.map((e) => e.data.id))).toEqual(new Set(['f-2']));
    expect(new Set(byType.events.map((e) => e.data.id))).toEqual(new Set(['f-1', 'f-2', 'f-3']));
    expect(otherType.events).toEqual([]);
  } finally {
    for (const s of [byId, byType, otherType]) s.close();
  }
});

it('resumes after Last-Event-ID without a gap or a repeat, and says reset when it cannot', async () => {
  const node = await fixture.node();
  const first = await openEvents(node.url);
  await submit(node.url, order('r-1'), { wait: 10_000 });
  await first.until('r-1 done', isDone('r-1'));
  const seen = first.events.slice(0, 2);
  const last = seen.at(-1) as ReceivedEvent;
  first.close();
  // Missed while away: the rest of r-1 and all of r-2.
  await submit(node.url, order('r-2'), { wait: 10_000 });
  const resumed = await openEvents(node.url, { lastEventId: last.id });
  const byQuery = await openEvents(node.url, { query: `?lastEventId=${last.id}` });
  try {
    await resumed.until('r-2 done', isDone('r-2'));
    await byQuery.until('r-2 done', isDone('r-2'));
    const ids = [...seen, ...resumed.events].map(seq);
    expect(ids).toEqual(ids.map((_, i) => (ids[0] as number) + i));
    expect(byQuery.events.map((e) => e.id)).toEqual(resumed.events.map((e) => e.id));
  } finally {
    resumed.close();
    byQuery.close();
  }

  // An id from another run of the node (or too old): a reset first, then the live events.
  const stale = await openEvents(node.url, { lastEventId: 'deadbeef-7' });
  try {
    await submit(node.url, order('r-3'), { wait: 10_000 });
    await stale.until('r-3 done', isDone('r-3'));
    expect(stale.events[0]).toMatchObject({
      event: 'reset',
      data: { reason: expect.stringMatching(/read the state again/) },
    });
    expect(stale.events.filter((e) => e.event === 'reset')).toHaveLength(1);
  } finally {
    stale.close();
  }
});

it('sends node events: suspension when a service is down for long, and its end', async () => {
  const node = await fixture.node({ env: { BREAKER_FAILURES: '2', BREAKER_OPEN_MS: '500' } });
  const events = await openEvents(node.url);
  try {
    fixture.services.payments.mode = 'down';
    await submit(node.url, order('s-1'));
    await events.until('suspended', (e) => e.event === 'node' && e.data.state === 'suspended-slow');
    fixture.services.payments.mode = 'ok';
    await events.until('s-1 done', isDone('s-1'));
    await events.until(
      'accepting again',
      (e) => e.event === 'node' && e.data.state === 'accepting',
    );
    expect(events.events.find((e) => e.event === 'node')?.data).toMatchObject({
      kind: 'suspension',
      at: expect.any(Number),
    });
    const blocked = events.of('s-1').find((e) => e.data.record === 'blocked');
    expect(blocked?.data).toMatchObject({ step: 'charge', service: 'payments' });
  } finally {
    events.close();
  }
});

it('gives each of 25 concurrent subscribers every event of 100 Commands, in the same order', async () => {
  const node = await fixture.node();
  const streams = await Promise.all(Array.from({ length: 25 }, () => openEvents(node.url)));
  try {
    const ids = Array.from({ length: 100 }, (_, i) => `m-${i}`);
    const answers = await Promise.all(ids.map((id) => submit(node.url, order(id))));
    expect(answers.every((a) => a.status === 202)).toBe(true);
    await waitFor('every Command done', async () => {
      const states = await Promise.all(ids.map((id) => getCommand(node.url, id)));
      return states.every((s) => s.body.state === 'done');
    });
    for (const stream of streams) {
      await waitFor('every done event', () => ids.every((id) => stream.events.some(isDone(id))));
    }
    const reference = (streams[0] as (typeof streams)[0]).events.map((e) => e.id);
    expect(reference.length).toBeGreaterThanOrEqual(500);
    for (const stream of streams) expect(stream.events.map((e) => e.id)).toEqual(reference);
  } finally {
    for (const stream of streams) stream.close();
  }
});
