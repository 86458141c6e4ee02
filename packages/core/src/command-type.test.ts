import { describe, expect, it } from 'vitest';
import { toDirectedGraph } from 'xstate/graph';
import { orderSaga } from '../test-support/scripted.js';
import { defineCommand, defineSaga } from './command-type.js';
import { MachineStepper } from './machine-stepper.js';

const run = async () => 1;

describe('defineSaga', () => {
  it('draws a state per step and per compensation inside executing', () => {
    const graph = toDirectedGraph(orderSaga.machine);
    const executing = graph.children.find((c) => c.id === 'order.executing');
    expect(executing?.children.map((c) => c.stateNode.key).sort()).toEqual(
      [
        'charge',
        'compensate:charge',
        'compensate:reserve',
        'compensated',
        'completed',
        'hist',
        'reserve',
        'ship',
      ].sort(),
    );
    expect(graph.children.map((c) => c.stateNode.key)).toEqual([
      'pending',
      'executing',
      'delayed',
      'blocked',
      'done',
    ]);
    expect(orderSaga.services).toEqual(['charge-service', 'reserve-service', 'ship-service']);
  });

  it('routes a failure to the last completed step that compensates', () => {
    const saga = defineSaga({
      type: 'mixed',
      steps: [
        { name: 'a', service: 's', run, compensate: run },
        { name: 'b', service: 's', run },
        { name: 'c', service: 's', run },
      ],
    });
    const executing = (
      saga.machine.config.states as Record<string, { states: Record<string, { on?: object }> }>
    ).executing;
    expect(executing?.states.c?.on).toEqual({ OUTCOME: 'completed', FAILED: 'compensate:a' });
    expect(executing?.states.a?.on).toEqual({ OUTCOME: 'b', FAILED: 'compensated' });
    expect(executing?.states['compensate:a']?.on).toEqual({
      OUTCOME: 'compensated',
      FAILED: 'compensated',
    });
  });

  it.each([
    ['no steps', { type: 'x', steps: [] }, /has no steps/],
    ['a bad type', { type: '1x', steps: [{ name: 'a', service: 's', run }] }, /Command `type`/],
    [
      'a bad step name',
      { type: 'x', steps: [{ name: 'a.b', service: 's', run }] },
      /step named "a.b"/,
    ],
    [
      'a duplicate step',
      {
        type: 'x',
        steps: [
          { name: 'a', service: 's', run },
          { name: 'a', service: 's', run },
        ],
      },
      /two steps named a/,
    ],
    [
      'a reserved name',
      { type: 'x', steps: [{ name: 'completed', service: 's', run }] },
      /reserved/,
    ],
    ['no service', { type: 'x', steps: [{ name: 'a', service: '', run }] }, /names no service/],
  ])('refuses %s with INVALID_DEFINITION', (_name, definition, message) => {
    expect(() => defineSaga(definition as never)).toThrow(message);
    expect(() => defineSaga(definition as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_DEFINITION' }),
    );
  });
});

describe('defineCommand', () => {
  it('routes by its services, or by its type when it names none', () => {
    expect(defineCommand({ type: 't', exec: run }).services).toEqual(['t']);
    expect(defineCommand({ type: 't', services: ['b', 'a'], exec: run }).services).toEqual([
      'a',
      'b',
    ]);
  });

  it('refuses a definition without exec', () => {
    expect(() => defineCommand({ type: 't' } as never)).toThrow(/has no `exec`/);
  });
});

describe('MachineStepper', () => {
  it('precomputes every reachable node and finds them by state and history', () => {
    const stepper = new MachineStepper(orderSaga.machine);
    const keys = new Set(stepper.states().map((n) => n.key));
    expect(keys).toContain('executing.compensate:reserve');
    expect(keys).toContain('delayed');
    expect(stepper.find('delayed', 'charge')?.position).toBe('charge');
    expect(stepper.find('delayed', 'nowhere')).toBeUndefined();
    const started = stepper.initial.next.get('START');
    expect(started?.key).toBe('executing.reserve');
    expect(started?.next.get('DONE')).toBeUndefined();
  });
});
