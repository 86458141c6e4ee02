import { describe, expect, it } from 'vitest';
import { harness } from '../test-support/harness.js';
import { type ScriptedServices, transfer } from '../test-support/scripted.js';
import { defineCommand, defineSaga } from './command-type.js';
import { CoordinatorError } from './errors.js';
import type { LogRecord } from './records.js';
import { settle } from './testing/index.js';

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
