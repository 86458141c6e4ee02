/**
 * Model-based tests: every simple path through the lifecycle machine of a code body and of a
 * 3-step declared saga, enumerated with `xstate/graph`, is driven through the real Driver on the
 * in-memory ports and virtual time. The driver's records must retrace the path exactly, and the
 * Command must then finish.
 */

import { describe, expect, it } from 'vitest';
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';
import { getSimplePaths } from 'xstate/graph';
import { harness } from '../test-support/harness.js';
import { type Behaviour, orderSaga, ScriptedServices } from '../test-support/scripted.js';
import { machineEvents } from './command-machine.js';
import { machineEventOf } from './command-state.js';
import { defineCommand } from './command-type.js';
import { replay } from './replay.js';
import { settle } from './testing/index.js';

const behaviourOfEvent: Record<string, Behaviour> = {
  OUTCOME: 'ok',
  FAILED: 'fail',
  DELAYED: 'delayed',
  BLOCKED: 'blocked',
};

function serialize(snapshot: AnyMachineSnapshot): string {
  const history = Object.values(snapshot.historyValue ?? {})
    .flat()
    .map((node) => (node as { id: string }).id);
  return JSON.stringify([snapshot.value, history]);
}

function pathsOf(machine: AnyStateMachine): string[][] {
  const paths = getSimplePaths(machine, {
    events: machineEvents.map((type) => ({ type })) as EventObject[],
    serializeState: (s) => serialize(s as AnyMachineSnapshot),
  });
  const unique = new Map<string, string[]>();
  for (const path of paths) {
    const events = path.steps.map((s) => s.event.type).filter((t) => !t.startsWith('xstate.'));
    unique.set(events.join(' '), events);
  }
  return [...unique.values()];
}

/**
 * Turns a path into the behaviour of each service call, in call order: every step event (OUTCOME,
 * FAILED, DELAYED, BLOCKED) is one call; START, RETRY and DONE are the driver's own.
 */
function callsOf(events: readonly string[], code: boolean): Behaviour[] {
  return events.flatMap((e) => {
    // A code body's own steps are a self-loop in `running`; its DONE is the body ending, here
    // through a terminal failure.
    if (code && e === 'DONE') return ['fail'];
    const behaviour = behaviourOfEvent[e];
    return behaviour ? [behaviour] : [];
  });
}

async function drive(commandType: 'order' | 'transfer', events: readonly string[]) {
  const script = callsOf(events, commandType === 'transfer');
  const services = new ScriptedServices();
  services.next = () => script.shift() ?? 'ok';
  const h = await harness({}, { services, types: [orderSaga, transferCommand] });
  const { id } = await h.driver.submit({
    type: commandType,
    payload: commandType === 'order' ? { sku: 'A1' } : { amount: 5 },
  });
  await settle(h.driver, h.clock);
  return { ...h, id };
}

/** A code body with two steps; its machine has a single `running` sub-state. */
const transferCommand = defineCommand<{ amount: number }, string, ScriptedServices>({
  type: 'transfer',
  services: ['ledger'],
  async exec(ctx, _payload, services) {
    await ctx.step('ledger', 'debit', (info) => services.call(info));
    return ctx.step('ledger', 'credit', (info) => services.call(info));
  },
});

describe.each([
  ['order', orderSaga.machine],
  ['transfer', transferCommand.machine],
] as const)('every path of the %s machine', (type, machine) => {
  const paths = pathsOf(machine).filter((events) => events.length > 0);

  it('enumerates the lifecycle and, for the saga, every step, failure and compensation', () => {
    const all = paths.flat();
    for (const event of ['START', 'DELAYED', 'BLOCKED', 'RETRY', 'DONE'])
      expect(all).toContain(event);
    if (type === 'order') {
      expect(all).toContain('FAILED');
      expect(paths.length).toBeGreaterThan(50);
    }
  });

  it.each(paths.map((p) => [p.join(' '), p]))('%s', async (_name, events) => {
    // A code body ends with DONE after its last step; paths that stop earlier run on to done.
    const { driver, log, id, services } = await drive(type, events as string[]);
    const records = log.all().filter((r) => r.id === id);
    const replayed = records
      .map((r) => machineEventOf[r.kind])
      .filter((e) => e !== undefined && (type === 'order' || e !== 'OUTCOME'));
    expect(replayed.slice(0, events.length)).toEqual(events);
    // The path's target state is what replaying its prefix of the log gives.
    const prefix = log.records(driver.get(id)?.partition ?? 0).slice(0, events.length + 1);
    const state = replay(
      prefix,
      new Map([[type, type === 'order' ? orderSaga : transferCommand]] as never),
    ).get(id);
    expect(state?.current.state).toBe(events.at(-1) === 'DONE' ? 'done' : stateAfter(events));
    // Whatever the path, the Command finishes, and no recorded step ran again.
    expect(driver.get(id)?.state).toBe('done');
    const succeeded = services.succeeded();
    expect(new Set(succeeded).size).toBe(succeeded.length);
  });
});

function stateAfter(events: readonly string[]): string {
  const last = events.at(-1);
  if (last === 'DELAYED') return 'delayed';
  if (last === 'BLOCKED') return 'blocked';
  return 'executing';
}
