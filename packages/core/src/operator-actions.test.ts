import { describe, expect, it } from 'vitest';
import { harness } from '../test-support/harness.js';
import { transfer } from '../test-support/scripted.js';
import type { LogRecord } from './records.js';
import { settle } from './testing/index.js';

const kinds = (records: readonly LogRecord[], id: string) =>
  records
    .filter((r) => r.id === id)
    .map((r) => (r.kind === 'failed' || r.kind === 'outcome' ? `${r.kind}:${r.step}` : r.kind));

describe('retry now', () => {
  it("runs a delayed Command's next attempt at once, says so in the log, and is a no-op while it runs", async () => {
    const { driver, clock, log, services } = await harness({ slowRetryIntervalMs: 60_000 });
    services.script('cmd-1', 'charge', ['delayed']);
    const { id } = await driver.submit({ type: 'order', payload: { sku: 'A1' } });
    await driver.idle();
    expect(driver.get(id)?.state).toBe('delayed');
    const started = clock.now();
    const view = await driver.retryNow(id);
    expect(view.state).toBe('executing');
    await driver.idle();
    expect(clock.now()).toBe(started);
    expect(driver.get(id)?.state).toBe('done');
    expect(log.all().find((r) => r.kind === 'retried')).toMatchObject({ by: 'operator' });
    expect(driver.get(id)?.events).toContainEqual(
      expect.objectContaining({ kind: 'retried', by: 'operator' }),
    );
    await expect(driver.retryNow(id)).rejects.toMatchObject({ code: 'WRONG_STATE' });
    await expect(driver.retryNow('nope')).rejects.toMatchObject({ code: 'UNKNOWN_COMMAND' });
  });
});

describe('cancel', () => {
  it('compensates the completed steps of a waiting saga in reverse and ends it CANCELLED', async () => {
    const { driver, clock, log, services } = await harness({ slowRetryIntervalMs: 60_000 });
    services.script('cmd-1', 'ship', ['delayed']);
    const { id } = await driver.submit({ type: 'order', payload: { sku: 'A1' } });
    await driver.idle();
    await driver.cancel(id);
    await settle(driver, clock);
    expect(driver.get(id)).toMatchObject({
      state: 'done',
      cancelled: true,
      error: { code: 'CANCELLED', message: expect.stringMatching(/cancelled before step ship/) },
    });
    expect(kinds(log.all(), id)).toEqual([
      'accepted',
      'started',
      'outcome:reserve',
      'outcome:charge',
      'delayed',
      'cancelled',
      'retried',
      'failed:ship',
      'outcome:compensate:charge',
      'outcome:compensate:reserve',
      'done',
    ]);
    expect(services.calls.filter((c) => c.step === 'ship')).toHaveLength(1);
    // Repeated after the end (a client that missed the answer): the same Command, nothing new.
    expect(await driver.cancel(id)).toMatchObject({ state: 'done', cancelled: true });
    expect(log.all().filter((r) => r.kind === 'cancelled')).toHaveLength(1);
  });

  it('waits for a running step: its Outcome is recorded, then compensated', async () => {
    const { driver, clock, log, services } = await harness();
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inCharge: () => void = () => {};
    const charging = new Promise<void>((resolve) => {
      inCharge = resolve;
    });
    const call = services.call.bind(services);
    services.call = async (info) => {
      if (info.step === 'charge') {
        inCharge();
        await held;
      }
      return call(info);
    };
    const { id } = await driver.submit({ type: 'order', payload: { sku: 'A1' } });
    await charging;
    expect((await driver.cancel(id)).state).toBe('executing');
    release();
    await settle(driver, clock);
    expect(kinds(log.all(), id)).toEqual([
      'accepted',
      'started',
      'outcome:reserve',
      'cancelled',
      'outcome:charge',
      'failed:ship',
      'outcome:compensate:charge',
      'outcome:compensate:reserve',
      'done',
    ]);
    expect(driver.get(id)?.error?.code).toBe('CANCELLED');
  });

  it('ends a code body at its next step and survives a restart from the log', async () => {
    const first = await harness({ slowRetryIntervalMs: 60_000 }, { types: [transfer] });
    first.services.script('cmd-1', 'credit', ['delayed']);
    const { id } = await first.driver.submit({ type: 'transfer', payload: { amount: 3 } });
    await first.driver.idle();
    // The cancel is durable; the node dies before acting on it.
    const { log } = first;
    log.beforeAppend = (_p, records) => {
      if (records.some((r) => r.kind === 'retried')) throw new Error('killed');
    };
    await first.driver.cancel(id).catch(() => undefined);
    log.beforeAppend = undefined;
    expect(log.all().map((r) => r.kind)).toContain('cancelled');
    const second = await harness(
      { slowRetryIntervalMs: 1000 },
      { types: [transfer], log: log.reopen() },
    );
    expect(second.driver.get(id)).toMatchObject({ cancelled: true, state: 'delayed' });
    await settle(second.driver, second.clock);
    expect(second.driver.get(id)).toMatchObject({ state: 'done', error: { code: 'CANCELLED' } });
    expect(second.services.calls.map((c) => c.step)).toEqual([]);
  });

  it('writes one cancelled record when a client repeats the cancel before the first is answered', async () => {
    const { driver, clock, log, services } = await harness({ slowRetryIntervalMs: 60_000 });
    services.script('cmd-1', 'charge', ['delayed']);
    const { id } = await driver.submit({ type: 'order', payload: { sku: 'A1' } });
    await driver.idle();
    const answers = await Promise.all([driver.cancel(id), driver.cancel(id)]);
    expect(answers.map((a) => a.cancelled)).toEqual([true, true]);
    await settle(driver, clock);
    expect(log.all().filter((r) => r.kind === 'cancelled')).toHaveLength(1);
    expect(log.all().filter((r) => r.kind === 'retried')).toHaveLength(1);
    expect(driver.get(id)?.error?.code).toBe('CANCELLED');
  });

  it('is a no-op the second time, and refused for a Command done otherwise or compensating', async () => {
    const { driver, clock, log, services } = await harness({ slowRetryIntervalMs: 60_000 });
    services.script('cmd-1', 'charge', ['delayed']);
    const { id } = await driver.submit({ type: 'order', payload: { sku: 'A1' } });
    await driver.idle();
    const once = await driver.cancel(id);
    const twice = await driver.cancel(id);
    expect(twice.cancelled).toBe(true);
    expect(once.cancelled).toBe(true);
    expect(log.all().filter((r) => r.kind === 'cancelled')).toHaveLength(1);
    await settle(driver, clock);
    expect((await driver.cancel(id)).error?.code).toBe('CANCELLED');
    const finished = await driver.submit({ type: 'order', payload: { sku: 'A3' } });
    await settle(driver, clock);
    await expect(driver.cancel(finished.id)).rejects.toMatchObject({
      code: 'WRONG_STATE',
      message: expect.stringMatching(/done/),
    });
    services.script('cmd-3', 'ship', ['fail']);
    services.script('cmd-3', 'compensate:charge', ['delayed']);
    const second = await driver.submit({ type: 'order', payload: { sku: 'A2' } });
    expect(second.id).toBe('cmd-3');
    await driver.idle();
    await expect(driver.cancel(second.id)).rejects.toMatchObject({
      code: 'WRONG_STATE',
      message: expect.stringMatching(/compensating/),
    });
  });
});
