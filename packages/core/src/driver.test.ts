import {
  CoordinatorError,
  type CoordinatorEvent,
  Driver,
  defineCommand,
  defineSaga,
  type LogRecord,
  partitionOf,
  routingKeyOf,
} from '@coordinator/core';
import {
  MemoryEventLog,
  SeededRandom,
  SequentialIds,
  SimulatedClock,
  settle,
} from '@coordinator/core/testing';
import { describe, expect, it } from 'vitest';
import { harness } from '../test-support/harness.js';
import { orderSaga, ScriptedServices } from '../test-support/scripted.js';

const kinds = (records: readonly LogRecord[]) => records.map((r) => r.kind);

const transfer = defineCommand<{ amount: number }, string, ScriptedServices>({
  type: 'transfer',
  services: ['ledger'],
  async exec(ctx, payload, services) {
    const debit = await ctx.step('ledger', 'debit', (info) => services.call(info));
    const credit = await ctx.step('ledger', 'credit', (info) => services.call(info));
    return `${debit}+${credit}:${payload.amount}`;
  },
});

describe('Driver', () => {
  it('runs a 3-step saga to its result, recording accepted, started, three outcomes and done', async () => {
    const { driver, log, clock } = await harness();
    const { id, state, existing } = await driver.submit({ type: 'order', payload: { sku: 'A1' } });
    expect({ state, existing }).toEqual({ state: 'executing', existing: false });
    await settle(driver, clock);
    const view = driver.get(id);
    expect(view?.state).toBe('done');
    expect(view?.result).toEqual({
      reserve: `reserve@${id}`,
      charge: `charge@${id}`,
      ship: `ship@${id}`,
    });
    expect(kinds(log.all())).toEqual([
      'accepted',
      'started',
      'outcome',
      'outcome',
      'outcome',
      'done',
    ]);
    await expect(driver.whenDone(id)).resolves.toMatchObject({ id, state: 'done' });
  });

  it('passes each step a stable idempotency key, the same on every attempt', async () => {
    const { driver, clock, services } = await harness();
    services.script('cmd-1', 'charge', ['delayed', 'delayed']);
    await driver.submit({ type: 'order', payload: { sku: 'A1' } });
    await settle(driver, clock);
    const charges = services.calls.filter((c) => c.step === 'charge');
    expect(charges.map((c) => c.idempotencyKey)).toEqual([
      'cmd-1:charge',
      'cmd-1:charge',
      'cmd-1:charge',
    ]);
  });

  it('retries a delayed step after the slow interval and resolves waiters on its result', async () => {
    const { driver, log, clock, services } = await harness({
      slowRetryIntervalMs: 2000,
      jitterMs: 0,
    });
    services.script('cmd-1', 'reserve', ['delayed', 'delayed']);
    const { id } = await driver.submit({ type: 'order', payload: { sku: 'A1' } });
    const done = driver.whenDone(id);
    await driver.idle();
    expect(driver.get(id)).toMatchObject({
      state: 'delayed',
      step: 'reserve',
      lastError: { code: 'DELAYED' },
      nextRetryAt: clock.now() + 2000,
    });
    const spent = await settle(driver, clock);
    expect(spent).toBe(4000 + driver.options.checkpointIntervalMs);
    await expect(done).resolves.toMatchObject({ state: 'done', attempts: 3 });
    expect(kinds(log.all().filter((r) => r.id === id))).toEqual([
      'accepted',
      'started',
      'delayed',
      'retried',
      'delayed',
      'retried',
      'outcome',
      'outcome',
      'outcome',
      'done',
    ]);
  });

  it('compensates completed steps in reverse order on a terminal failure and ends with its error', async () => {
    const { driver, clock, services } = await harness();
    services.script('cmd-1', 'ship', ['fail']);
    const { id } = await driver.submit({ type: 'order', payload: { sku: 'A1' } });
    await settle(driver, clock);
    expect(services.calls.map((c) => c.step)).toEqual([
      'reserve',
      'charge',
      'ship',
      'compensate:charge',
      'compensate:reserve',
    ]);
    expect(driver.get(id)).toMatchObject({
      state: 'done',
      step: 'compensated',
      error: {
        code: 'STEP_FAILED',
        message: expect.stringContaining('step ship failed: ship refused'),
      },
      failures: [{ step: 'ship' }],
    });
    expect(driver.get(id)).not.toHaveProperty('result');
  });

  it('reports COMPENSATION_FAILED when a compensation fails terminally, and still runs the rest', async () => {
    const { driver, clock, services } = await harness();
    services.script('cmd-1', 'ship', ['fail']);
    services.script('cmd-1', 'compensate:charge', ['fail']);
    const { id } = await driver.submit({ type: 'order', payload: { sku: 'A1' } });
    await settle(driver, clock);
    expect(services.calls.at(-1)?.step).toBe('compensate:reserve');
    expect(driver.get(id)?.error).toMatchObject({
      code: 'COMPENSATION_FAILED',
      message: expect.stringContaining('compensate:charge (compensate:charge refused)'),
    });
  });

  it('a saga whose first step fails ends without compensations', async () => {
    const { driver, clock, services } = await harness();
    services.script('cmd-1', 'reserve', ['fail']);
    const { id } = await driver.submit({ type: 'order', payload: { sku: 'A1' } });
    await settle(driver, clock);
    expect(services.calls).toHaveLength(1);
    expect(driver.get(id)?.error?.code).toBe('STEP_FAILED');
  });

  it('runs code bodies: recorded steps return their Outcome without running again', async () => {
    const { driver, clock, services } = await harness({}, { types: [transfer] });
    services.script('cmd-1', 'credit', ['delayed']);
    const { id } = await driver.submit({ type: 'transfer', payload: { amount: 5 } });
    await settle(driver, clock);
    expect(driver.get(id)?.result).toBe('debit@cmd-1+credit@cmd-1:5');
    expect(services.calls.map((c) => `${c.step}:${c.behaviour}`)).toEqual([
      'debit:ok',
      'credit:delayed',
      'credit:ok',
    ]);
  });

  it('ends a code body that throws with its error, and one that repeats a step name with INVALID_DEFINITION', async () => {
    const broken = defineCommand<unknown, unknown, ScriptedServices>({
      type: 'broken',
      async exec(ctx) {
        await ctx.step('svc', 'same', () => 1);
        await ctx.step('svc', 'same', () => 2);
      },
    });
    const throws = defineCommand<unknown, unknown, ScriptedServices>({
      type: 'throws',
      async exec() {
        throw new CoordinatorError('INVALID_PAYLOAD', 'no such account');
      },
    });
    const { driver, clock } = await harness({}, { types: [broken, throws] });
    const a = await driver.submit({ type: 'throws', payload: {} });
    await settle(driver, clock);
    expect(driver.get(a.id)?.error).toEqual({
      code: 'INVALID_PAYLOAD',
      message: 'no such account',
    });
    // Repeating a step name within a run is a bug in the body: the Command stops where it is.
    const b = await driver.submit({ type: 'broken', payload: {} });
    await settle(driver, clock);
    expect(driver.get(b.id)?.error).toMatchObject({
      code: 'INVALID_DEFINITION',
      message: expect.stringContaining('same'),
    });
  });

  it('refuses unknown types and invalid payloads with coded errors, writing nothing', async () => {
    const { driver, log } = await harness();
    await expect(driver.submit({ type: 'nope', payload: {} })).rejects.toMatchObject({
      code: 'UNKNOWN_COMMAND',
      message: expect.stringContaining('this node runs: order'),
    });
    await expect(driver.submit({ type: 'order', payload: { sku: 3 } })).rejects.toMatchObject({
      code: 'INVALID_PAYLOAD',
      message: 'Payload for order is invalid: expected {sku: string}',
    });
    expect(log.all()).toEqual([]);
  });

  it('answers a resubmit with the same id with the existing Command, also while it is being accepted', async () => {
    const { driver, log, clock } = await harness();
    const [first, second] = await Promise.all([
      driver.submit({ type: 'order', payload: { sku: 'A1' }, id: 'order-7' }),
      driver.submit({ type: 'order', payload: { sku: 'A1' }, id: 'order-7' }),
    ]);
    expect(first).toMatchObject({ id: 'order-7', existing: false });
    expect(second).toMatchObject({ id: 'order-7', existing: true });
    await settle(driver, clock);
    await expect(
      driver.submit({ type: 'order', payload: { sku: 'A1' }, id: 'order-7' }),
    ).resolves.toEqual({
      id: 'order-7',
      state: 'done',
      existing: true,
    });
    expect(log.all().filter((r) => r.kind === 'accepted')).toHaveLength(1);
  });

  it('refuses new Commands with NOT_READY before recovery and CLOSED after close', async () => {
    const driver = new Driver({
      log: new MemoryEventLog(),
      clock: new SimulatedClock(),
      random: new SeededRandom(),
      ids: new SequentialIds(),
      types: [orderSaga],
      receiver: new ScriptedServices(),
    });
    await expect(driver.submit({ type: 'order', payload: { sku: 'A' } })).rejects.toMatchObject({
      code: 'NOT_READY',
    });
    await driver.recover([0]);
    expect(driver.ready).toBe(true);
    await driver.close();
    await expect(driver.submit({ type: 'order', payload: { sku: 'A' } })).rejects.toMatchObject({
      code: 'CLOSED',
    });
  });

  it('refuses Commands of partitions it does not own with NOT_OWNER', async () => {
    const driver = new Driver({
      log: new MemoryEventLog(),
      clock: new SimulatedClock(),
      random: new SeededRandom(),
      ids: new SequentialIds(),
      types: [orderSaga],
      receiver: new ScriptedServices(),
      options: { partitions: 64 },
    });
    await driver.recover([]);
    await expect(driver.submit({ type: 'order', payload: { sku: 'A' } })).rejects.toMatchObject({
      code: 'NOT_OWNER',
    });
  });

  it('rejects a duplicate type and whenDone on an unknown id', async () => {
    const config = {
      log: new MemoryEventLog(),
      clock: new SimulatedClock(),
      random: new SeededRandom(),
      ids: new SequentialIds(),
      receiver: new ScriptedServices(),
    };
    expect(() => new Driver({ ...config, types: [orderSaga, orderSaga] })).toThrow(/defined twice/);
    const { driver } = await harness();
    await expect(driver.whenDone('missing')).rejects.toMatchObject({ code: 'UNKNOWN_COMMAND' });
  });

  it('lists Commands by state and type, unfinished first, up to a limit', async () => {
    const { driver, clock, services } = await harness({}, { types: [orderSaga, transfer] });
    services.script('cmd-2', 'reserve', ['delayed']);
    await driver.submit({ type: 'transfer', payload: { amount: 1 } });
    await settle(driver, clock, 0);
    await driver.submit({ type: 'order', payload: { sku: 'A' } });
    await driver.idle();
    expect(driver.list().map((v) => v.id)).toEqual(['cmd-2', 'cmd-1']);
    expect(driver.list({ state: 'delayed' }).map((v) => v.id)).toEqual(['cmd-2']);
    expect(driver.list({ type: 'transfer' }).map((v) => v.id)).toEqual(['cmd-1']);
    expect(driver.list({ limit: 1 })).toHaveLength(1);
  });

  it('leaves a Command as its records stand when the log refuses an append, and reports it', async () => {
    const { driver, log, events, clock } = await harness();
    const { id } = await driver.submit({ type: 'order', payload: { sku: 'A1' } });
    log.beforeAppend = () => {
      throw new CoordinatorError('FENCED', 'another node owns this log');
    };
    await settle(driver, clock);
    expect(driver.get(id)?.state).toBe('executing');
    expect(events).toContainEqual({
      type: 'command.stalled',
      id,
      error: { code: 'FENCED', message: 'another node owns this log' },
    });
    // A submit meanwhile is refused as the partition having moved: retryable, not FENCED.
    const refused = driver.submit({ type: 'order', payload: { sku: 'A1' } });
    await expect(refused).rejects.toMatchObject({ code: 'NOT_OWNER', retryable: true });
    await expect(refused).rejects.toHaveProperty('cause.code', 'FENCED');
    expect(driver.status().inFlight).toBe(1);
  });

  it('spreads Commands over partitions by their routing key, and refuses a payload without one', async () => {
    const keyed = defineSaga<{ customer: string }, ScriptedServices>({
      type: 'keyed',
      routingKey: (p) => {
        if (!p.customer) throw new Error('`customer` is required');
        return p.customer;
      },
      steps: [{ name: 'one', service: 's', run: (s, _p, info) => s.call(info) }],
    });
    const { driver, clock } = await harness({ partitions: 4 }, { types: [keyed] });
    const ids = await Promise.all(
      ['ann', 'bob', 'cyd', 'dee', 'eve', 'fay'].map(
        async (customer) => (await driver.submit({ type: 'keyed', payload: { customer } })).id,
      ),
    );
    await settle(driver, clock);
    const partitions = new Set(ids.map((id) => driver.get(id)?.partition));
    expect(partitions.size).toBeGreaterThan(1);
    for (const id of ids) expect(driver.get(id)?.state).toBe('done');
    await expect(driver.submit({ type: 'keyed', payload: { customer: '' } })).rejects.toMatchObject(
      {
        code: 'INVALID_PAYLOAD',
        message: 'No routing key for this keyed payload: `customer` is required',
      },
    );
  });

  it('defaults the result of a saga to its Outcomes and uses a result function when given', async () => {
    const priced = defineSaga<{ qty: number }, ScriptedServices>({
      type: 'priced',
      steps: [{ name: 'quote', service: 'pricing', run: async (_s, p) => p.qty * 3 }],
      result: (outcomes, payload) => ({ total: outcomes.quote, qty: payload.qty }),
    });
    const { driver, clock } = await harness({}, { types: [priced] });
    const { id } = await driver.submit({ type: 'priced', payload: { qty: 2 } });
    await settle(driver, clock);
    expect(driver.get(id)?.result).toEqual({ total: 6, qty: 2 });
  });
});

describe('Driver recovery', () => {
  it('resumes every unfinished Command after the slow interval without re-running recorded steps', async () => {
    const first = await harness();
    first.services.script('cmd-1', 'charge', ['delayed']);
    first.services.script('cmd-2', 'reserve', ['blocked']);
    await first.driver.submit({ type: 'order', payload: { sku: 'A1' } });
    await first.driver.submit({ type: 'order', payload: { sku: 'A2' } }).catch(() => undefined);
    await first.driver.idle();
    // The node dies here. A new one opens the same log.
    const second = await harness({ slowRetryIntervalMs: 3000, jitterMs: 0 }, { log: first.log });
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
    const second = await harness({ doneRetention: 2 }, { log: first.log });
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

  it('fails recovery with UNKNOWN_COMMAND when the log holds a type the node does not define', async () => {
    const log = new MemoryEventLog();
    await log.append(0, [{ v: 1, kind: 'accepted', id: 'x', at: 1, type: 'gone', payload: {} }]);
    await expect(harness({}, { log })).rejects.toMatchObject({
      code: 'UNKNOWN_COMMAND',
      message: expect.stringContaining('type gone'),
    });
  });

  it('carries parked Commands forward in snapshots so the checkpoint passes their old records', async () => {
    const { driver, log, clock, services } = await harness({
      snapshotAfterRecords: 5,
      checkpointIntervalMs: 100,
      slowRetryIntervalMs: 1000,
    });
    services.script('cmd-1', 'reserve', Array(20).fill('delayed'));
    await driver.submit({ type: 'order', payload: { sku: 'A1' } });
    await settle(driver, clock, 8_000);
    const partition = orderPartition();
    const checkpoint = await log.loadCheckpoint(partition);
    expect(checkpoint).toBeGreaterThan(0);
    expect(log.records(partition)[checkpoint]?.record.kind).toBe('snapshot');
    // A node recovering from the checkpoint rebuilds the Command from its snapshot.
    const next = await harness({}, { log: log.cut(partition, log.records(partition).length) });
    expect(next.driver.get('cmd-1')).toMatchObject({
      state: 'delayed',
      attempts: driver.get('cmd-1')?.attempts,
    });
    await settle(next.driver, next.clock);
    expect(next.driver.get('cmd-1')?.state).toBe('done');
  });
});

/** The harness runs 4 partitions; the order saga's routing key decides which one it uses. */
function orderPartition(): number {
  return partitionOf(routingKeyOf(orderSaga.services), 4);
}

describe('Driver ownership', () => {
  it('assigns partitions one by one and revokes them without writing', async () => {
    const log = new MemoryEventLog();
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
    await driver.recover([]);
    await expect(driver.submit({ type: 'order', payload: { sku: 'A' } })).rejects.toMatchObject({
      code: 'NOT_OWNER',
    });
    await driver.assign(partition);
    await driver.assign(partition);
    const { id } = await driver.submit({ type: 'order', payload: { sku: 'A' } });
    await driver.idle();
    const waiting = driver.whenDone(id);
    expect(driver.get(id)?.state).toBe('delayed');
    const written = log.all().length;
    driver.revoke(partition);
    driver.revoke(partition);
    await expect(waiting).rejects.toMatchObject({ code: 'NOT_OWNER' });
    expect(driver.get(id)).toBeUndefined();
    expect(driver.status()).toMatchObject({ inFlight: 0, waiting: 0 });
    expect(events).toContainEqual({ type: 'partition.revoked', partition });
    // Its retry timer is gone: nothing more is written for it.
    clock.advance(5_000);
    await driver.idle();
    expect(log.all()).toHaveLength(written);
    // Taking it back replays the log and resumes the Command.
    services.fallback = 'ok';
    await driver.assign(partition);
    await settle(driver, clock);
    expect(driver.get(id)?.state).toBe('done');
  });

  it('refuses Commands of a partition with NOT_READY while assign replays it, so a resubmit is not accepted twice', async () => {
    const log = new GatedCheckpointLog();
    const clock = new SimulatedClock(0);
    const node = () =>
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
    const first = node();
    await first.recover([]);
    await first.assign(partition);
    await first.submit({ type: 'order', id: 'order-1', payload: { sku: 'A' } });
    await settle(first, clock);
    first.revoke(partition);
    // Another node takes the partition over; the client resubmits while it replays.
    const second = node();
    await second.recover([]);
    const opened = log.gate();
    const assigning = second.assign(partition);
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

/** A memory log whose `loadCheckpoint` can be held, as a Kafka round trip holds replay. */
class GatedCheckpointLog extends MemoryEventLog {
  #gate: Promise<void> | undefined;

  /** Holds the next checkpoint loads; call the returned function to let them go on. */
  gate(): () => void {
    let open: () => void = () => {};
    this.#gate = new Promise((resolve) => {
      open = resolve;
    });
    return open;
  }

  override async loadCheckpoint(partition: number): Promise<number> {
    await this.#gate;
    return super.loadCheckpoint(partition);
  }
}
