import { describe, expect, it } from 'vitest';
import { harness } from '../test-support/harness.js';
import { orderSaga, ScriptedServices } from '../test-support/scripted.js';
import { defineSaga } from './command-type.js';
import { Driver } from './driver.js';
import { CoordinatorError } from './errors.js';
import {
  MemoryEventLog,
  SeededRandom,
  SequentialIds,
  SimulatedClock,
  settle,
} from './testing/index.js';

describe('Driver', () => {
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
    await driver.start();
    expect(driver.ready).toBe(true);
    await driver.close();
    await expect(driver.submit({ type: 'order', payload: { sku: 'A' } })).rejects.toMatchObject({
      code: 'CLOSED',
    });
  });

  it('refuses Commands of partitions it does not own with NOT_OWNER', async () => {
    const driver = new Driver({
      log: new MemoryEventLog({ owned: [] }),
      clock: new SimulatedClock(),
      random: new SeededRandom(),
      ids: new SequentialIds(),
      types: [orderSaga],
      receiver: new ScriptedServices(),
      options: { partitions: 64 },
    });
    await driver.start();
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
});
