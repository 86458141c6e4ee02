import { CoordinatorError, type LogRecord } from '@coordinator/core';
import { SimulatedClock } from '@coordinator/core/testing';
import { describe, expect, it } from 'vitest';
import type { KafkaLogEvent } from './kafka-log-event.js';
import { encodeClaimEnvelope, encodeRecordEnvelope } from './log-envelope.js';
import { OwnedPartition } from './owned-partition.js';

const record: LogRecord = { v: 1, kind: 'started', id: 'c1', at: 1 };
const closed = new CoordinatorError('CLOSED', 'log closed');

/**
 * Lets promise callbacks run, and the timers due now (the writer's zero linger): virtual time
 * stands still, so only what needs no time happens.
 */
async function flush(clock: SimulatedClock): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(0);
  }
}

/** An OwnedPartition of partition 3 on a fake partition: a list of values the test consumes. */
function fixture(options: { failSends?: number; assignedThrows?: boolean } = {}) {
  const clock = new SimulatedClock();
  const values: Buffer[] = [];
  const calls: string[] = [];
  const events: KafkaLogEvent[] = [];
  const fetching: string[] = [];
  let paused = false;
  let failures = options.failSends ?? 0;
  let sends = 0;
  let consumed = 0;
  let gate: Promise<void> | undefined;
  const owned = new OwnedPartition({
    topic: 't',
    partition: 3,
    nodeId: 'me',
    gapTimeoutMs: 30_000,
    retryMs: 1000,
    reclaimDelayMs: 5000,
    clock,
    listener: {
      assigned: async (p) => {
        calls.push(`assigned ${p}`);
        if (options.assignedThrows) throw new Error('driver broke');
      },
      revoked: (p) => {
        calls.push(`revoked ${p}`);
      },
    },
    send: async (take) => {
      sends += 1;
      const messages = take();
      await gate;
      if (failures > 0) {
        failures -= 1;
        throw new Error('broker gone');
      }
      const base = values.length;
      values.push(...messages.map((m) => m.value));
      return base;
    },
    loadCheckpoint: async () => ({ position: 0, epoch: -1 }),
    fetching: {
      resume: (from) => {
        fetching.push(from === undefined ? 'resume' : `resume from ${from}`);
        paused = false;
        if (from !== undefined) consumed = from;
      },
      pause: () => {
        fetching.push('pause');
        paused = true;
      },
    },
    emit: (event) => events.push(event),
  });
  return {
    clock,
    owned,
    flush: () => flush(clock),
    calls,
    values,
    fetching,
    get sends() {
      return sends;
    },
    types: () => events.map((e) => e.type),
    event: <T extends KafkaLogEvent['type']>(type: T) =>
      events.find((e): e is Extract<KafkaLogEvent, { type: T }> => e.type === type),
    /** Delivers what the partition holds to the feed, as the group consumer does unless paused. */
    consume() {
      if (paused) return;
      for (; consumed < values.length; consumed++) {
        owned.feed.deliver(consumed, values[consumed] as Buffer);
      }
    },
    /** Holds every send until the returned function is called. */
    hold(): () => void {
      let open = () => {};
      gate = new Promise((resolve) => {
        open = resolve;
      });
      return () => {
        gate = undefined;
        open();
      };
    },
  };
}

type Fixture = ReturnType<typeof fixture>;

/** Claims the partition at offset 0, replays up to the CLAIM and lets `assigned` run. */
async function goLive(f: Fixture): Promise<void> {
  f.owned.acquire();
  await f.flush();
  f.consume();
  await f.flush();
  expect(f.calls).toEqual(['assigned 3']);
}

/**
 * Live, then an append that lands at offset 2, past an older-epoch record at 1 that the consumer
 * has not delivered yet.
 */
async function appendPastGap(f: Fixture): Promise<{ appended: Promise<readonly number[]> }> {
  await goLive(f);
  f.values.push(encodeRecordEnvelope(record, -1));
  const appended = f.owned.append([record]);
  await f.flush();
  return { appended };
}

/**
 * Live, then another node's CLAIM at offset 1, unseen (the consumer is paused once live) until an
 * append lands past it at 2 and the gap is read from 1: fenced.
 */
async function fenceByOtherClaim(f: Fixture): Promise<void> {
  await goLive(f);
  expect(f.fetching).toEqual(['resume', 'pause']);
  f.values.push(encodeClaimEnvelope('other'));
  f.consume();
  expect(f.event('kafka-log.fenced')).toBeUndefined();
  const appended = f.owned.append([record]);
  await f.flush();
  expect(f.fetching.at(-1)).toBe('resume from 1');
  f.consume();
  expect(await refusal(appended)).toBe('FENCED');
  expect(f.values).toHaveLength(3);
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.catch((e: unknown) => e);
  return error instanceof CoordinatorError ? error.code : String(error);
}

describe('OwnedPartition', () => {
  it('claims, waits for replay to reach its CLAIM, then calls assigned and serves', async () => {
    const f = fixture();
    f.owned.acquire();
    expect(f.owned.held).toBe(true);
    await f.flush();
    expect(f.types()).toEqual(['kafka-log.claimed']);
    expect(await refusal(f.owned.append([record]))).toBe('NOT_READY');
    const reading = f.owned.read(0)[Symbol.asyncIterator]().next();
    await f.flush();
    expect(f.calls).toEqual([]);
    f.consume();
    await f.flush();
    expect(f.calls).toEqual(['assigned 3']);
    expect(await reading).toMatchObject({ done: true });
    expect(f.owned.epoch).toBe(0);
    const appended = f.owned.append([record]);
    await f.flush();
    expect(await appended).toEqual([1]);
    expect(f.owned.epochForCheckpoint()).toBe(0);
    expect(f.types()).toEqual(['kafka-log.claimed', 'kafka-log.recovered']);
  });

  it('claims again after a failed claim only once retryMs passed on the clock', async () => {
    const f = fixture({ failSends: 1 });
    f.owned.acquire();
    await f.flush();
    expect(f.types()).toEqual(['kafka-log.revoked', 'kafka-log.append-failed']);
    expect(f.owned.held).toBe(false);
    expect(await refusal(f.owned.append([record]))).toBe('CLOSED');
    f.clock.advance(999);
    await f.flush();
    expect(f.sends).toBe(1);
    f.clock.advance(1);
    await f.flush();
    expect(f.sends).toBe(2);
    f.consume();
    await f.flush();
    expect(f.owned.live).toBe(true);
    expect(f.calls).toEqual(['assigned 3']);
  });

  it("fenced by another node's CLAIM: revoked, then claimed again after reclaimDelayMs", async () => {
    const f = fixture();
    await fenceByOtherClaim(f);
    expect(f.event('kafka-log.fenced')).toMatchObject({ epoch: 0, claim: 1 });
    expect(await refusal(f.owned.append([record]))).toBe('FENCED');
    f.clock.advance(4999);
    await f.flush();
    expect(f.sends).toBe(2);
    expect(f.calls).toEqual(['assigned 3', 'revoked 3']);
    f.clock.advance(1);
    await f.flush();
    expect(f.sends).toBe(3);
    expect(f.fetching.at(-1)).toBe('resume');
    f.consume();
    await f.flush();
    expect(f.owned.epoch).toBe(3);
    expect(f.calls).toEqual(['assigned 3', 'revoked 3', 'assigned 3']);
  });

  it('fenced, then released before the reclaim timer fires: never claims again', async () => {
    const f = fixture();
    await fenceByOtherClaim(f);
    f.owned.release();
    expect(f.clock.pending).toBe(0);
    f.owned.reacquire();
    await f.flush();
    expect(f.sends).toBe(2);
    expect(f.calls).toEqual(['assigned 3', 'revoked 3']);
  });

  it('released by a rebalance while claiming: no listener call, the late CLAIM refuses', async () => {
    const f = fixture();
    const open = f.hold();
    f.owned.acquire();
    await f.flush();
    const reading = f.owned.read(0)[Symbol.asyncIterator]().next();
    f.owned.release();
    expect(await refusal(reading)).toBe('NOT_OWNER');
    open();
    await f.flush();
    expect(f.values).toHaveLength(1);
    f.consume();
    await f.flush();
    expect(f.calls).toEqual([]);
    expect(f.owned.held).toBe(false);
    expect(f.types()).toEqual(['kafka-log.revoked']);
  });

  it('an assigned that throws gives the partition up: revoked, no reclaim', async () => {
    const f = fixture({ assignedThrows: true });
    f.owned.acquire();
    await f.flush();
    f.consume();
    await f.flush();
    expect(f.calls).toEqual(['assigned 3', 'revoked 3']);
    expect(f.event('kafka-log.listener-failed')).toMatchObject({ phase: 'assigned' });
    expect(f.event('kafka-log.revoked')).toMatchObject({ reason: 'stopped' });
    expect(f.clock.pending).toBe(0);
    f.owned.release();
    await f.flush();
    expect(f.calls).toHaveLength(2);
  });

  it('close waits for the send in flight, refuses later appends and calls no listener', async () => {
    const f = fixture();
    await goLive(f);
    const open = f.hold();
    const appended = f.owned.append([record]);
    await f.flush();
    expect(f.sends).toBe(2);
    let done = false;
    const closing = f.owned.close(closed).then(() => {
      done = true;
    });
    await f.flush();
    expect(done).toBe(false);
    open();
    await closing;
    expect(await appended).toEqual([1]);
    expect(await refusal(f.owned.append([record]))).toBe('CLOSED');
    f.owned.reacquire();
    expect(f.owned.held).toBe(false);
    expect(f.calls).toEqual(['assigned 3']);
  });

  it('fences an append past a gap the consumer does not show within gapTimeoutMs', async () => {
    const f = fixture();
    const { appended } = await appendPastGap(f);
    expect(f.clock.nextAt()).toBe(30_000);
    f.clock.advance(29_999);
    await f.flush();
    expect(f.calls).toEqual(['assigned 3']);
    f.clock.advance(1);
    expect(await refusal(appended)).toBe('FENCED');
    await f.flush();
    expect(f.calls).toEqual(['assigned 3', 'revoked 3']);
    expect(f.event('kafka-log.revoked')).toMatchObject({ reason: 'fenced' });
  });

  it('keeps an append past a gap that holds only older-epoch records', async () => {
    const f = fixture();
    const { appended } = await appendPastGap(f);
    f.consume();
    expect(await appended).toEqual([2]);
    expect(f.clock.pending).toBe(0);
    expect(f.owned.live).toBe(true);
    expect(f.event('kafka-log.stale-skipped')).toMatchObject({ offset: 1 });
    // The gap was read on demand, from the offset expected; then fetching stops again.
    expect(f.fetching).toEqual(['resume', 'pause', 'resume from 1', 'pause']);
  });
});
