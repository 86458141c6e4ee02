import { describe, expect, it } from 'vitest';
import { harness } from '../test-support/harness.js';
import { orderPartition, orderSaga, transfer } from '../test-support/scripted.js';
import { CommandRegistry } from './command-registry.js';
import { acceptCommand } from './command-state.js';
import { commandView } from './command-view.js';
import { settle } from './testing/index.js';

describe('the Command registry', () => {
  it('lists Commands by state and type, unfinished first, up to a limit', async () => {
    const { driver, clock, services } = await harness({}, { types: [orderSaga, transfer] });
    services.script('cmd-2', 'reserve', ['delayed']);
    await driver.submit({ type: 'transfer', payload: { amount: 1 } });
    await settle(driver, clock, 0);
    await driver.submit({ type: 'order', payload: { sku: 'A' } });
    await driver.idle();
    const ids = (filter: Parameters<typeof driver.list>[0]) =>
      driver.list(filter).commands.map((v) => v.id);
    expect(ids({})).toEqual(['cmd-2', 'cmd-1']);
    expect(ids({ state: 'delayed' })).toEqual(['cmd-2']);
    expect(ids({ type: 'transfer' })).toEqual(['cmd-1']);
    expect(ids({ service: 'ledger' })).toEqual(['cmd-1']);
    expect(ids({ idPrefix: 'cmd-2' })).toEqual(['cmd-2']);
    const first = driver.list({ limit: 1 });
    expect(first.commands.map((v) => v.id)).toEqual(['cmd-2']);
    expect(ids({ limit: 1, after: first.next as string })).toEqual(['cmd-1']);
    expect(driver.list({ limit: 1, after: first.next as string }).next).toBeUndefined();
    expect(ids({ since: clock.now() + 1 })).toEqual([]);
  });

  it('knows the last doneRetention finished Commands after a restart, so resubmits stay idempotent', async () => {
    const first = await harness({ doneRetention: 2, checkpointIntervalMs: 10 });
    for (const id of ['a', 'b', 'c']) {
      await first.driver.submit({ type: 'order', payload: { sku: 'A1' }, id });
      await settle(first.driver, first.clock);
    }
    await first.driver.close();
    const partition = orderPartition();
    // The oldest retained Command pins the checkpoint: 'a' (evicted) lies before it.
    const checkpoint = await first.log.loadCheckpoint(partition);
    expect(first.log.records(partition)[checkpoint]?.record).toMatchObject({
      id: 'b',
      kind: 'accepted',
    });
    const second = await harness({ doneRetention: 2 }, { log: first.log.reopen() });
    expect(second.driver.get('a')).toBeUndefined();
    expect(second.driver.get('b')?.state).toBe('done');
    await expect(
      second.driver.submit({ type: 'order', payload: { sku: 'A1' }, id: 'c' }),
    ).resolves.toEqual({
      id: 'c',
      state: 'done',
      existing: true,
    });
    expect(second.services.calls).toEqual([]);
  });
});

describe('CommandRegistry', () => {
  const command = (id: string, partition = 0) =>
    acceptCommand(orderSaga, { id, payload: { sku: id }, at: 1 }, 0, partition);

  it('retains finished Commands up to its retention and evicts the oldest first', () => {
    const registry = new CommandRegistry(2, (c) => commandView(c));
    expect(registry.retain(command('a'))).toBeUndefined();
    expect(registry.retain(command('b'))).toBeUndefined();
    expect(registry.retain(command('c'))?.id).toBe('a');
    expect(registry.known('a')).toBeUndefined();
    expect(registry.known('c')?.id).toBe('c');
    const none = new CommandRegistry(0, (c) => commandView(c));
    const d = command('d');
    expect(none.retain(d)).toBe(d);
  });

  it('resolves waiters when a Command finishes and rejects them with NOT_OWNER when its partition leaves', async () => {
    const registry = new CommandRegistry(10, (c) => commandView(c));
    const a = command('a', 1);
    const b = command('b', 2);
    registry.add(a);
    registry.add(b);
    const doneA = registry.whenDone('a');
    const doneB = registry.whenDone('b');
    registry.finish(a);
    await expect(doneA).resolves.toMatchObject({ id: 'a' });
    expect(registry.dropPartition(2)).toEqual(['b']);
    await expect(doneB).rejects.toMatchObject({ code: 'NOT_OWNER' });
    await expect(registry.whenDone('zz')).rejects.toMatchObject({ code: 'UNKNOWN_COMMAND' });
    expect(registry.unfinished).toBe(0);
  });
});
