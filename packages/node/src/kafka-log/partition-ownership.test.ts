import { CoordinatorError, type TimerHandle } from '@coordinator/core';
import { SimulatedClock } from '@coordinator/core/testing';
import { describe, expect, it } from 'vitest';
import {
  type OwnershipEffect,
  type OwnershipEvent,
  type OwnershipState,
  refusal,
  transition,
  unclaimed,
} from './partition-ownership.js';

const options = { topic: 't', partition: 3, retryMs: 1000, reclaimDelayMs: 5000 };
const sendFailed = new CoordinatorError('CLOSED', 'send failed');
const closed = new CoordinatorError('CLOSED', 'log closed');

/** The machine with its reclaim timer on a simulated clock; every other effect is recorded. */
function ownership() {
  const clock = new SimulatedClock();
  let state: OwnershipState = unclaimed;
  let timer: TimerHandle | undefined;
  const effects: OwnershipEffect[] = [];
  const send = (event: OwnershipEvent): OwnershipEffect[] => {
    const step = transition(state, event, options);
    state = step.state;
    for (const effect of step.effects) {
      if (effect.type === 'schedule-reclaim') {
        timer = clock.setTimer(() => send({ type: 'reclaim-due' }), effect.delayMs);
      }
      if (effect.type === 'cancel-reclaim' && timer) clock.clearTimer(timer);
      effects.push(effect);
    }
    return [...step.effects];
  };
  return {
    clock,
    effects,
    send,
    get state() {
      return state;
    },
    /** The listener calls of the whole run. */
    get notified() {
      return effects.flatMap((e) => (e.type === 'notify' ? [e.phase] : []));
    },
  };
}

/** Effect types, listener calls as their phase. */
function kinds(effects: readonly OwnershipEffect[]): string[] {
  return effects.map((e) => (e.type === 'notify' ? e.phase : e.type));
}

/** Claims round `round` at `epoch` (acquiring first, if not claiming) and replays up to it. */
function goLive(o: ReturnType<typeof ownership>, round = 1, epoch = 10): void {
  o.send({ type: 'acquire' });
  o.send({ type: 'claimed', round, epoch });
  o.send({ type: 'replayed', round, latestClaim: epoch });
}

describe('partition ownership', () => {
  it('claims on acquire, waits for replay to reach its CLAIM, then serves and notifies assigned', () => {
    const o = ownership();
    expect(o.send({ type: 'acquire' })).toEqual([{ type: 'claim', round: 1 }]);
    expect(o.state).toEqual({ phase: 'claiming', round: 1, epoch: -1 });
    expect(refusal(o.state, options).code).toBe('NOT_READY');
    expect(o.send({ type: 'claimed', round: 1, epoch: 10 })).toEqual([
      { type: 'report-claimed', epoch: 10 },
      { type: 'await-replay', round: 1, epoch: 10 },
    ]);
    expect(o.send({ type: 'replayed', round: 1, latestClaim: 10 })).toEqual([
      { type: 'report-live', epoch: 10 },
      { type: 'notify', round: 1, phase: 'assigned' },
    ]);
    expect(o.state).toEqual({ phase: 'live', round: 1, epoch: 10 });
  });

  it('ignores acquire and reclaim-due while claiming or live', () => {
    const o = ownership();
    o.send({ type: 'acquire' });
    expect(o.send({ type: 'acquire' })).toEqual([]);
    o.send({ type: 'claimed', round: 1, epoch: 10 });
    o.send({ type: 'replayed', round: 1, latestClaim: 10 });
    expect(o.send({ type: 'acquire' })).toEqual([]);
    expect(o.send({ type: 'reclaim-due' })).toEqual([]);
    expect(o.state.phase).toBe('live');
  });

  it('drops on a failed claim and claims again only once retryMs has passed', () => {
    const o = ownership();
    o.send({ type: 'acquire' });
    expect(o.send({ type: 'claim-failed', round: 1, error: sendFailed })).toEqual([
      { type: 'report-drop', reason: 'failed', epoch: -1, error: sendFailed },
      { type: 'schedule-reclaim', delayMs: 1000 },
    ]);
    expect(o.state).toEqual({ phase: 'dropped', round: 1, reclaiming: true, error: sendFailed });
    expect(refusal(o.state, options)).toBe(sendFailed);
    o.clock.advance(999);
    expect(o.state.phase).toBe('dropped');
    o.clock.advance(1);
    expect(o.effects.at(-1)).toEqual({ type: 'claim', round: 2 });
    expect(o.state).toEqual({ phase: 'claiming', round: 2, epoch: -1 });
    expect(o.notified).toEqual([]);
  });

  it('fenced while live: revoked, then claimed again after reclaimDelayMs', () => {
    const o = ownership();
    goLive(o);
    const effects = o.send({ type: 'claim-seen', offset: 12 });
    expect(kinds(effects)).toEqual(['report-drop', 'refuse', 'schedule-reclaim', 'revoked']);
    expect(effects[0]).toMatchObject({ reason: 'fenced', epoch: 10, error: { code: 'FENCED' } });
    expect(effects[2]).toEqual({ type: 'schedule-reclaim', delayMs: 5000 });
    o.clock.advance(4999);
    expect(o.state.phase).toBe('dropped');
    o.clock.advance(1);
    expect(o.state).toEqual({ phase: 'claiming', round: 2, epoch: -1 });
    o.send({ type: 'claimed', round: 2, epoch: 20 });
    o.send({ type: 'replayed', round: 2, latestClaim: 20 });
    expect(o.notified).toEqual(['assigned', 'revoked', 'assigned']);
  });

  it('fenced, then released by a rebalance before the reclaim timer: never claims again', () => {
    const o = ownership();
    goLive(o);
    o.send({ type: 'claim-seen', offset: 12 });
    expect(o.send({ type: 'release' })).toEqual([{ type: 'cancel-reclaim' }]);
    expect(o.state).toMatchObject({ phase: 'released', error: { code: 'FENCED' } });
    expect(o.clock.pending).toBe(0);
    expect(o.send({ type: 'acquire' })).toEqual([]);
    expect(o.notified).toEqual(['assigned', 'revoked']);
  });

  it('released by a rebalance while live: refuses the writer, notifies revoked once', () => {
    const o = ownership();
    goLive(o);
    const effects = o.send({ type: 'release' });
    expect(kinds(effects)).toEqual(['report-drop', 'refuse', 'revoked']);
    expect(effects[0]).toMatchObject({ reason: 'rebalance', error: { code: 'NOT_OWNER' } });
    expect(o.state).toMatchObject({ phase: 'released', error: { code: 'NOT_OWNER' } });
    expect(o.send({ type: 'release' })).toEqual([]);
    expect(o.send({ type: 'claim-seen', offset: 30 })).toEqual([]);
    expect(o.notified).toEqual(['assigned', 'revoked']);
  });

  it('released by a rebalance while claiming: neither assigned nor revoked', () => {
    const o = ownership();
    o.send({ type: 'acquire' });
    expect(kinds(o.send({ type: 'release' }))).toEqual(['report-drop']);
    // The CLAIM lands after all: its writer is refused, replay is not awaited.
    expect(o.send({ type: 'claimed', round: 1, epoch: 10 })).toEqual([
      { type: 'refuse', round: 1, error: expect.objectContaining({ code: 'NOT_OWNER' }) },
    ]);
    expect(o.send({ type: 'replayed', round: 1, latestClaim: 10 })).toEqual([]);
    expect(o.notified).toEqual([]);
    expect(o.state.phase).toBe('released');
  });

  it('released while claiming after the CLAIM landed: refuses its writer at once', () => {
    const o = ownership();
    o.send({ type: 'acquire' });
    o.send({ type: 'claimed', round: 1, epoch: 10 });
    expect(kinds(o.send({ type: 'release' }))).toEqual(['report-drop', 'refuse']);
    expect(o.send({ type: 'replayed', round: 1, latestClaim: 10 })).toEqual([]);
    expect(o.notified).toEqual([]);
  });

  it('an assigned that throws drops the partition: revoked once, no reclaim until acquired again', () => {
    const o = ownership();
    goLive(o);
    const effects = o.send({ type: 'listener-failed', round: 1, phase: 'assigned' });
    expect(kinds(effects)).toEqual(['report-drop', 'refuse', 'revoked']);
    expect(effects[0]).toMatchObject({ reason: 'stopped', error: { code: 'NOT_OWNER' } });
    expect(o.state).toMatchObject({ phase: 'dropped', reclaiming: false });
    o.clock.advance(60_000);
    expect(o.send({ type: 'listener-failed', round: 1, phase: 'revoked' })).toEqual([]);
    expect(o.notified).toEqual(['assigned', 'revoked']);
    expect(o.send({ type: 'acquire' })).toEqual([{ type: 'claim', round: 2 }]);
  });

  it('a revoked that throws changes nothing', () => {
    const o = ownership();
    goLive(o);
    expect(o.send({ type: 'listener-failed', round: 1, phase: 'revoked' })).toEqual([]);
    expect(o.state.phase).toBe('live');
  });

  it('a newer CLAIM seen while claiming fences at replay, without a listener call', () => {
    const o = ownership();
    o.send({ type: 'acquire' });
    o.send({ type: 'claimed', round: 1, epoch: 10 });
    expect(o.send({ type: 'claim-seen', offset: 12 })).toEqual([]);
    const effects = o.send({ type: 'replayed', round: 1, latestClaim: 12 });
    expect(kinds(effects)).toEqual(['report-drop', 'refuse', 'schedule-reclaim']);
    expect(effects[0]).toMatchObject({ reason: 'fenced', epoch: 10 });
    expect(o.state).toMatchObject({ phase: 'dropped', reclaiming: true });
    expect(o.notified).toEqual([]);
  });

  it('a CLAIM seen while live fences only when newer than its own', () => {
    const o = ownership();
    goLive(o);
    expect(o.send({ type: 'claim-seen', offset: 4 })).toEqual([]);
    expect(o.send({ type: 'claim-seen', offset: 10 })).toEqual([]);
    expect(o.state.phase).toBe('live');
    expect(o.send({ type: 'claim-seen', offset: 11 })).toContainEqual({
      type: 'notify',
      round: 1,
      phase: 'revoked',
    });
  });

  it.each([
    ['fenced', 5000],
    ['failed', 1000],
  ] as const)('a %s send stops a live partition and claims again after %i ms', (reason, ms) => {
    const o = ownership();
    goLive(o);
    const effects = o.send({ type: 'writer-stopped', round: 1, reason, error: sendFailed });
    expect(effects).toContainEqual({ type: 'report-drop', reason, epoch: 10, error: sendFailed });
    expect(effects).toContainEqual({ type: 'schedule-reclaim', delayMs: ms });
    expect(effects.at(-1)).toEqual({ type: 'notify', round: 1, phase: 'revoked' });
    o.clock.advance(ms - 1);
    expect(o.state.phase).toBe('dropped');
    o.clock.advance(1);
    expect(o.state).toMatchObject({ phase: 'claiming', round: 2 });
  });

  it('acquired by a rebalance while waiting to reclaim: claims at once, cancels the timer', () => {
    const o = ownership();
    o.send({ type: 'acquire' });
    o.send({ type: 'claim-failed', round: 1, error: sendFailed });
    expect(o.send({ type: 'acquire' })).toEqual([
      { type: 'cancel-reclaim' },
      { type: 'claim', round: 2 },
    ]);
    expect(o.clock.pending).toBe(0);
  });

  it('ignores the events of an overtaken round', () => {
    const o = ownership();
    goLive(o);
    o.send({ type: 'writer-stopped', round: 1, reason: 'failed', error: sendFailed });
    o.clock.advance(1000);
    expect(o.state).toMatchObject({ phase: 'claiming', round: 2 });
    const stale: OwnershipEvent[] = [
      { type: 'claim-failed', round: 1, error: sendFailed },
      { type: 'replayed', round: 1, latestClaim: 10 },
      { type: 'writer-stopped', round: 1, reason: 'fenced', error: sendFailed },
      { type: 'listener-failed', round: 1, phase: 'assigned' },
    ];
    for (const event of stale) expect(o.send(event)).toEqual([]);
    expect(o.send({ type: 'claimed', round: 1, epoch: 8 })).toEqual([
      { type: 'refuse', round: 1, error: expect.objectContaining({ code: 'NOT_OWNER' }) },
    ]);
    expect(o.state).toEqual({ phase: 'claiming', round: 2, epoch: -1 });
    goLive(o, 2, 20);
    expect(o.send({ type: 'listener-failed', round: 1, phase: 'assigned' })).toEqual([]);
    expect(o.state.phase).toBe('live');
  });

  describe('close', () => {
    const phases: [string, (o: ReturnType<typeof ownership>) => void][] = [
      ['unclaimed', () => {}],
      ['claiming', (o) => o.send({ type: 'acquire' })],
      [
        'claimed',
        (o) => [o.send({ type: 'acquire' }), o.send({ type: 'claimed', round: 1, epoch: 10 })],
      ],
      ['live', (o) => goLive(o)],
      ['dropped', (o) => [goLive(o), o.send({ type: 'claim-seen', offset: 11 })]],
      ['released', (o) => [goLive(o), o.send({ type: 'release' })]],
    ];

    it.each(phases)('from %s: final, no listener call, no report', (_, reach) => {
      const o = ownership();
      reach(o);
      const before = o.effects.length;
      const effects = o.send({ type: 'close', error: closed });
      expect(effects.every((e) => e.type === 'refuse' || e.type === 'cancel-reclaim')).toBe(true);
      expect(o.state.phase).toBe('released');
      expect(o.clock.pending).toBe(0);
      const later: OwnershipEvent[] = [
        { type: 'acquire' },
        { type: 'replayed', round: 1, latestClaim: 10 },
        { type: 'claim-seen', offset: 99 },
        { type: 'release' },
        { type: 'close', error: closed },
      ];
      for (const event of later) o.send(event);
      expect(kinds(o.effects.slice(before))).toEqual(kinds(effects));
    });

    it('refuses a claimed or live writer with the close error, keeps an earlier refusal', () => {
      const live = ownership();
      goLive(live);
      expect(live.send({ type: 'close', error: closed })).toEqual([
        { type: 'refuse', round: 1, error: closed },
      ]);
      expect(refusal(live.state, options)).toBe(closed);
      const released = ownership();
      goLive(released);
      released.send({ type: 'release' });
      released.send({ type: 'close', error: closed });
      expect(refusal(released.state, options).code).toBe('NOT_OWNER');
    });
  });
});
