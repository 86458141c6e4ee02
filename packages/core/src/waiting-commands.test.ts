import { describe, expect, it } from 'vitest';
import { harness } from '../test-support/harness.js';
import type { CoordinatorEvent } from './events.js';
import type { LogRecord } from './records.js';
import { SeededRandom, SimulatedClock, settle } from './testing/index.js';
import { WaitingCommands } from './waiting-commands.js';

const kinds = (records: readonly LogRecord[]) => records.map((r) => r.kind);

describe('waiting Commands', () => {
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
});

describe('WaitingCommands on virtual time', () => {
  function waiting() {
    const clock = new SimulatedClock(0);
    const due: string[] = [];
    const events: CoordinatorEvent[] = [];
    const timing = { slowRetryIntervalMs: 1000, fastRetryIntervalMs: 10, jitterMs: 0 };
    const commands = new WaitingCommands(
      clock,
      new SeededRandom(3),
      timing,
      (e) => events.push(e),
      (id) => due.push(id),
    );
    return { clock, due, events, commands };
  }

  it('suspends on the first block, hurries the rest to the fast interval after a success, resumes when none waits', () => {
    const { clock, due, events, commands } = waiting();
    commands.waited('a', 'delayed');
    commands.waited('b', 'blocked');
    commands.waited('c', 'blocked');
    expect(commands.suspension).toBe('suspended-slow');
    expect(events.filter((e) => e.type === 'node.suspension')).toHaveLength(1);
    clock.advance(999);
    expect(due).toEqual([]);
    clock.advance(1);
    expect(due.sort()).toEqual(['a', 'b', 'c']);
    commands.waited('b', 'blocked');
    commands.waited('c', 'delayed');
    commands.progressed('a');
    expect(commands.suspension).toBe('suspended-fast');
    expect(commands.dueAt('b')).toBe(clock.now() + 10);
    clock.advance(10);
    commands.progressed('b');
    commands.progressed('c');
    expect(commands.suspension).toBe('accepting');
    expect(events.map((e) => (e.type === 'node.suspension' ? e.state : e.type))).toEqual([
      'suspended-slow',
      'suspended-fast',
      'accepting',
    ]);
  });

  it('forgets Commands that left the node: their timers stop, and the node resumes if they were the last', () => {
    const { clock, due, commands } = waiting();
    commands.waited('a', 'blocked');
    commands.forget(['a']);
    expect(commands.suspension).toBe('accepting');
    clock.advance(5_000);
    expect(due).toEqual([]);
    expect(commands.size).toBe(0);
  });
});
