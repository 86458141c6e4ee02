import {
  type CommandType,
  CoordinatorError,
  type CoordinatorEvent,
  Driver,
  defineCommand,
  defineSaga,
  type StepInfo,
} from '@coordinator/core';
import {
  MemoryEventLog,
  SeededRandom,
  SequentialIds,
  SimulatedClock,
  settle,
} from '@coordinator/core/testing';
import { describe, expect, it } from 'vitest';
import { commandPath, stateName } from './command-path.js';

type Behaviour = 'ok' | 'delayed' | 'blocked' | 'fail';

/** Every step call follows `script[<command>:<step>]` in turn, then succeeds. */
class Script {
  readonly #next = new Map<string, Behaviour[]>();

  set(commandId: string, step: string, behaviours: Behaviour[]): void {
    this.#next.set(`${commandId}:${step}`, behaviours);
  }

  async call(info: StepInfo): Promise<string> {
    switch (this.#next.get(`${info.commandId}:${info.step}`)?.shift() ?? 'ok') {
      case 'ok':
        return `${info.step} done`;
      case 'delayed':
        throw CoordinatorError.delayed(`${info.step} unavailable`);
      case 'blocked':
        throw CoordinatorError.blocked(`${info.step} circuit open`);
      case 'fail':
        throw new Error(`${info.step} refused`);
    }
  }
}

const run = (s: Script, _payload: unknown, info: StepInfo) => s.call(info);

const order = defineSaga<unknown, Script>({
  type: 'order',
  steps: [
    { name: 'reserve', service: 'inventory', run, compensate: run },
    { name: 'charge', service: 'payments', run, compensate: run },
    { name: 'ship', service: 'shipping', run },
  ],
});

const transfer = defineCommand<unknown, string, Script>({
  type: 'transfer',
  services: ['ledger'],
  async exec(ctx, _payload, s) {
    await ctx.step('ledger', 'debit', (info) => s.call(info));
    return ctx.step('ledger', 'credit', (info) => s.call(info));
  },
});

/**
 * Runs a Command on a real Driver (in-memory ports, virtual time) and returns what the path must
 * agree with: the Driver's own transitions (`fromKey` → `key`) and the Command's timeline.
 */
async function runCommand(
  type: CommandType<Script>,
  script: (s: Script) => void,
  operator?: (driver: Driver<Script>, id: string) => Promise<unknown>,
) {
  const services = new Script();
  script(services);
  const clock = new SimulatedClock(1_000_000);
  const events: CoordinatorEvent[] = [];
  const driver = new Driver<Script>({
    log: new MemoryEventLog(),
    clock,
    random: new SeededRandom(1),
    ids: new SequentialIds(),
    types: [type],
    receiver: services,
    options: { partitions: 1, slowRetryIntervalMs: 1000, jitterMs: 0 },
    onEvent: (event) => events.push(event),
  });
  await driver.start();
  const { id } = await driver.submit({ type: type.type, payload: {}, id: 'c-1' });
  await driver.idle();
  await operator?.(driver, id);
  await settle(driver, clock);
  const view = driver.get(id);
  if (!view) throw new Error('the Command is gone');
  const moves = events.flatMap((e) =>
    e.type === 'command.transition' && e.id === id ? [[e.fromKey, e.key]] : [],
  );
  // As the page gets it: through JSON.
  const path = commandPath(JSON.parse(JSON.stringify(view.events)));
  // The Driver tells no transition for `accepted` (it creates the Command in `pending`).
  const walked = path.steps
    .filter((_, i) => view.events[i]?.kind !== 'accepted')
    .map((s) => [s.fromKey, s.key]);
  return { view, moves, path, walked };
}

describe('commandPath', () => {
  it.each([
    ['completes', (_: Script) => {}],
    ['fails at the last step and compensates', (s: Script) => s.set('c-1', 'ship', ['fail'])],
    [
      'waits (delayed, then blocked) and resumes at the step it left',
      (s: Script) => s.set('c-1', 'charge', ['delayed', 'blocked']),
    ],
    [
      'waits during a compensation',
      (s: Script) => {
        s.set('c-1', 'ship', ['fail']);
        s.set('c-1', 'compensate:charge', ['delayed']);
      },
    ],
    ['fails at the first step', (s: Script) => s.set('c-1', 'reserve', ['fail'])],
  ])('draws a saga that %s through the states the Driver moved it', async (_, script) => {
    const { view, moves, path, walked } = await runCommand(order, script);
    expect(walked).toEqual(moves);
    expect(path.complete).toBe(true);
    expect(path.current).toBe('done');
    expect(view.state).toBe('done');
  });

  it('marks the compensation path of a failed saga, and not the way it did not take', async () => {
    const { path } = await runCommand(order, (s) => s.set('c-1', 'ship', ['fail']));
    expect([...path.transitions]).toEqual([
      'pending:START:executing',
      'executing.reserve:OUTCOME:executing.charge',
      'executing.charge:OUTCOME:executing.ship',
      'executing.ship:FAILED:executing.compensate:charge',
      'executing.compensate:charge:OUTCOME:executing.compensate:reserve',
      'executing.compensate:reserve:OUTCOME:executing.compensated',
      'executing:DONE:done',
    ]);
    expect(path.states.has('executing.compensated')).toBe(true);
    expect(path.states.has('executing.completed')).toBe(false);
  });

  it('goes through history on a retry and follows an operator cancel', async () => {
    const { view, moves, path, walked } = await runCommand(
      order,
      (s) => s.set('c-1', 'charge', ['delayed']),
      (driver, id) => driver.cancel(id),
    );
    expect(view.error?.code).toBe('CANCELLED');
    expect(walked).toEqual(moves);
    expect(path.transitions.has('delayed:RETRY:executing.hist')).toBe(true);
    expect(path.states.has('executing.hist')).toBe(true);
  });

  it('draws a code body through its one running state', async () => {
    const { moves, path, walked } = await runCommand(transfer, (s) =>
      s.set('c-1', 'credit', ['delayed']),
    );
    expect(walked).toEqual(moves);
    expect(path.current).toBe('done');
  });

  it('draws what it can of a timeline recorded before entries named their states', () => {
    const path = commandPath([
      { kind: 'accepted', at: 1 },
      { kind: 'started', at: 2 },
    ]);
    expect(path.complete).toBe(false);
    expect(path.transitions.size).toBe(0);
    expect(path.steps).toHaveLength(2);
  });

  it('names a state by its last part, as the chart labels it', () => {
    expect(stateName('executing.compensate:charge')).toBe('compensate:charge');
    expect(stateName('done')).toBe('done');
  });
});
