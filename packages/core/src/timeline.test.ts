import { describe, expect, it } from 'vitest';
import { harness } from '../test-support/harness.js';
import { settle } from './testing/index.js';

describe("a Command's timeline", () => {
  it('names the machine state each record led to and the transition it took', async () => {
    const { driver, clock, services } = await harness({ slowRetryIntervalMs: 1000 });
    services.script('cmd-1', 'charge', ['delayed']);
    const { id } = await driver.submit({ type: 'order', payload: { sku: 'A1' } });
    await settle(driver, clock);
    const events = driver.get(id)?.events ?? [];
    expect(events.map((e) => [e.kind, e.key, e.transition])).toEqual([
      ['accepted', 'pending', undefined],
      ['started', 'executing.reserve', 'pending:START:executing'],
      ['outcome', 'executing.charge', 'executing.reserve:OUTCOME:executing.charge'],
      ['delayed', 'delayed', 'executing:DELAYED:delayed'],
      ['retried', 'executing.charge', 'delayed:RETRY:executing.hist'],
      ['outcome', 'executing.ship', 'executing.charge:OUTCOME:executing.ship'],
      ['outcome', 'executing.completed', 'executing.ship:OUTCOME:executing.completed'],
      ['done', 'done', 'executing:DONE:done'],
    ]);
  });

  it('keeps a cancel in place: it moves nothing', async () => {
    const { driver, clock, services } = await harness({ slowRetryIntervalMs: 60_000 });
    services.script('cmd-1', 'ship', ['delayed']);
    const { id } = await driver.submit({ type: 'order', payload: { sku: 'A1' } });
    await driver.idle();
    await driver.cancel(id);
    await settle(driver, clock);
    const cancelled = driver.get(id)?.events.find((e) => e.kind === 'cancelled');
    expect(cancelled).toMatchObject({ key: 'delayed' });
    expect(cancelled?.transition).toBeUndefined();
    expect(driver.get(id)?.events.at(-2)).toMatchObject({
      kind: 'outcome',
      key: 'executing.compensated',
      transition: 'executing.compensate:reserve:OUTCOME:executing.compensated',
    });
  });
});
