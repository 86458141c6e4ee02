import { describe, expect, it } from 'vitest';
import { harness } from '../test-support/harness.js';
import { type ScriptedServices, transfer } from '../test-support/scripted.js';
import { type CommandType, defineCommand, defineSaga } from './command-type.js';
import { CoordinatorError } from './errors.js';
import type { LogRecord } from './records.js';
import { MemoryEventLog, settle } from './testing/index.js';

const kinds = (records: readonly LogRecord[]) => records.map((r) => r.kind);

describe('running Command bodies', () => {
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

describe('records that ride together', () => {
  /**
   * Runs one order (its step `failing` fails terminally, if given) on a MemoryEventLog that
   * records the kinds of each append's records, one list per `append` call.
   */
  async function runOrder(failing?: string, types?: readonly CommandType<ScriptedServices>[]) {
    const log = new MemoryEventLog();
    const appends: string[][] = [];
    const append = log.append.bind(log);
    log.append = (partition, records) => {
      appends.push(records.map((r) => r.kind));
      return append(partition, records);
    };
    const { driver, clock, services, events } = await harness({}, { log, ...(types && { types }) });
    if (failing) services.script('cmd-1', failing, ['fail']);
    const { id } = await driver.submit({ type: 'order', payload: { sku: 'A1' } });
    await settle(driver, clock);
    const stalled = events.filter((e) => e.type === 'command.stalled');
    return { appends, log, driver, events, stalled, view: driver.get(id), id };
  }

  it("appends a saga's last Outcome and its done together, every other Outcome alone", async () => {
    const { appends, log, view, id, stalled } = await runOrder();
    expect(stalled).toEqual([]);
    expect(appends.filter((a) => a.includes('outcome'))).toEqual([
      ['outcome'],
      ['outcome'],
      ['outcome', 'done'],
    ]);
    expect(kinds(log.all()).slice(-4)).toEqual(['outcome', 'outcome', 'outcome', 'done']);
    expect(view?.result).toMatchObject({ ship: `ship@${id}` });
  });

  it("appends the last compensation's Outcome and done together, with the saga's error", async () => {
    const { appends, view, stalled } = await runOrder('ship');
    expect(stalled).toEqual([]);
    expect(appends.slice(-3)).toEqual([['failed'], ['outcome'], ['outcome', 'done']]);
    expect(view?.error).toMatchObject({ code: 'STEP_FAILED' });
  });

  it('appends a first-step failure and done together: nothing to compensate', async () => {
    const { appends, view, stalled } = await runOrder('reserve');
    expect(stalled).toEqual([]);
    expect(appends.at(-1)).toEqual(['failed', 'done']);
    expect(view).toMatchObject({ state: 'done', error: { code: 'STEP_FAILED' } });
  });

  it("appends the last Outcome alone when the saga's result throws, and stalls as before", async () => {
    const broken = defineSaga<{ sku: string }, ScriptedServices>({
      type: 'order',
      validate: (payload) => payload as { sku: string },
      steps: [{ name: 'reserve', service: 'stock', run: (s, _p, info) => s.call(info) }],
      result: () => {
        throw new Error('result broke');
      },
    });
    const { appends, view, stalled, id } = await runOrder(undefined, [broken]);
    expect(appends.at(-1)).toEqual(['outcome']);
    expect(view?.state).toBe('executing');
    expect(stalled).toEqual([expect.objectContaining({ id })]);
  });
});
