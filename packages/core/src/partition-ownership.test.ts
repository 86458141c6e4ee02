import { describe, expect, it } from 'vitest';
import { harness } from '../test-support/harness.js';
import { orderPartition, orderSaga, ScriptedServices } from '../test-support/scripted.js';
import { Driver } from './driver.js';
import type { CoordinatorEvent } from './events.js';
import {
  MemoryEventLog,
  SeededRandom,
  SequentialIds,
  SimulatedClock,
  settle,
} from './testing/index.js';

describe('partition ownership: recovery', () => {
  it('resumes every unfinished Command after the slow interval without re-running recorded steps', async () => {
    const first = await harness();
    first.services.script('cmd-1', 'charge', ['delayed']);
    first.services.script('cmd-2', 'reserve', ['blocked']);
    await first.driver.submit({ type: 'order', payload: { sku: 'A1' } });
    await first.driver.submit({ type: 'order', payload: { sku: 'A2' } }).catch(() => undefined);
    await first.driver.idle();
    // The node dies here. A new one opens the same log.
    const second = await harness(
      { slowRetryIntervalMs: 3000, jitterMs: 0 },
      { log: first.log.reopen() },
    );
    const resumed = second.events.find((e) => e.type === 'recovery.done' && e.resumed > 0);
    expect(resumed).toMatchObject({ resumed: expect.any(Number) });
    expect(second.driver.get('cmd-1')).toMatchObject({
      state: 'delayed',
      nextRetryAt: second.clock.now() + 3000,
    });
    await settle(second.driver, second.clock);
    expect(second.driver.get('cmd-1')?.state).toBe('done');
    expect(second.services.calls.map((c) => c.idempotencyKey)).not.toContain('cmd-1:reserve');
  });

  it('starts a Command left pending and continues one left executing', async () => {
    const log = new MemoryEventLog();
    const at = 1;
    await log.append(orderPartition(), [
      { v: 1, kind: 'accepted', id: 'p', at, type: 'order', payload: { sku: 'A' } },
      { v: 1, kind: 'accepted', id: 'e', at, type: 'order', payload: { sku: 'B' } },
      { v: 1, kind: 'started', id: 'e', at },
      {
        v: 1,
        kind: 'outcome',
        id: 'e',
        at,
        step: 'reserve',
        service: 'reserve-service',
        outcome: 'r',
      },
    ]);
    const { driver, clock, services } = await harness({}, { log });
    await settle(driver, clock);
    expect(driver.get('p')).toMatchObject({ state: 'done', attempts: 1 });
    expect(driver.get('e')).toMatchObject({ state: 'done', attempts: 1 });
    expect(services.calls.map((c) => c.idempotencyKey)).not.toContain('e:reserve');
  });

  it('fails recovery with UNKNOWN_COMMAND when the log holds a type the node does not define', async () => {
    const log = new MemoryEventLog();
    await log.append(0, [{ v: 1, kind: 'accepted', id: 'x', at: 1, type: 'gone', payload: {} }]);
    await expect(harness({}, { log })).rejects.toMatchObject({
      code: 'UNKNOWN_COMMAND',
      message: expect.stringContaining('type gone'),
    });
  });
});

describe('partition ownership: assign and revoke', () => {
  it('takes partitions over as the log assigns them, and forgets them without writing when it revokes them', async () => {
    const log = new MemoryEventLog({ owned: [] });
    const services = new ScriptedServices();
    services.fallback = 'delayed';
    const events: CoordinatorEvent[] = [];
    const clock = new SimulatedClock(0);
    const driver = new Driver({
      log,
      clock,
      random: new SeededRandom(),
      ids: new SequentialIds(),
      types: [orderSaga],
      receiver: services,
      options: { partitions: 4, slowRetryIntervalMs: 1000, jitterMs: 0 },
      onEvent: (e) => events.push(e),
    });
    const partition = orderPartition();
    await driver.start();
    await expect(driver.submit({ type: 'order', payload: { sku: 'A' } })).rejects.toMatchObject({
      code: 'NOT_OWNER',
    });
    await log.assign(partition);
    await log.assign(partition);
    const { id } = await driver.submit({ type: 'order', payload: { sku: 'A' } });
    await driver.idle();
    const waiting = driver.whenDone(id);
    expect(driver.get(id)?.state).toBe('delayed');
    const written = log.all().length;
    log.revoke(partition);
    log.revoke(partition);
    await expect(waiting).rejects.toMatchObject({ code: 'NOT_OWNER' });
    expect(driver.get(id)).toBeUndefined();
    expect(driver.status()).toMatchObject({ inFlight: 0, waiting: 0, partitions: [] });
    expect(events.filter((e) => e.type === 'partition.revoked')).toEqual([
      { type: 'partition.revoked', partition },
    ]);
    // Its retry timer is gone: nothing more is written for it.
    clock.advance(5_000);
    await driver.idle();
    expect(log.all()).toHaveLength(written);
    // Taking it back replays the log and resumes the Command.
    services.fallback = 'ok';
    await log.assign(partition);
    await settle(driver, clock);
    expect(driver.get(id)?.state).toBe('done');
  });

  it('refuses Commands of a partition with NOT_READY while it replays, so a resubmit is not accepted twice', async () => {
    const clock = new SimulatedClock(0);
    const node = (log: MemoryEventLog) =>
      new Driver({
        log,
        clock,
        random: new SeededRandom(),
        ids: new SequentialIds(),
        types: [orderSaga],
        receiver: new ScriptedServices(),
        options: { partitions: 4, slowRetryIntervalMs: 1000, jitterMs: 0 },
      });
    const partition = orderPartition();
    const before = new MemoryEventLog({ owned: [] });
    const first = node(before);
    await first.start();
    await before.assign(partition);
    await first.submit({ type: 'order', id: 'order-1', payload: { sku: 'A' } });
    await settle(first, clock);
    before.revoke(partition);
    // Another node takes the partition over; the client resubmits while it replays.
    const log = before.cut(partition, before.records(partition).length);
    const opened = holdCheckpointLoads(log);
    const second = node(log);
    await second.start();
    const assigning = log.assign(partition);
    await expect(
      second.submit({ type: 'order', id: 'order-1', payload: { sku: 'A' } }),
    ).rejects.toMatchObject({ code: 'NOT_READY' });
    await expect(second.submit({ type: 'order', payload: { sku: 'A' } })).rejects.toMatchObject({
      code: 'NOT_READY',
    });
    opened();
    await assigning;
    await expect(
      second.submit({ type: 'order', id: 'order-1', payload: { sku: 'A' } }),
    ).resolves.toEqual({ id: 'order-1', state: 'done', existing: true });
    expect(log.all().filter((r) => r.kind === 'accepted')).toHaveLength(1);
  });
});

/** Holds the log's checkpoint loads, as a Kafka round trip holds replay; call the result to go on. */
function holdCheckpointLoads(log: MemoryEventLog): () => void {
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const load = log.loadCheckpoint.bind(log);
  log.loadCheckpoint = async (partition) => {
    await gate;
    return load(partition);
  };
  return open;
}
