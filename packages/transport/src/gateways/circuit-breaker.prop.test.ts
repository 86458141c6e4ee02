import { SimulatedClock } from '@coordinator/core/testing';
import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { type BreakerPermit, CircuitBreaker } from './circuit-breaker.js';

interface Settings {
  readonly failureThreshold: number;
  readonly openMs: number;
  readonly halfOpenMaxCalls: number;
  readonly successThreshold: number;
}

/**
 * The reference model, written as the textbook describes a breaker: a state with counters, a
 * generation per state, and outcomes of calls from an older generation ignored.
 */
class Model {
  state: 'closed' | 'open' | 'half-open' = 'closed';
  generation = 0;
  failures = 0;
  successes = 0;
  inFlightTrials = 0;
  openedAt = 0;
  readonly s: Settings;
  constructor(s: Settings) {
    this.s = s;
  }

  #go(state: Model['state'], now: number) {
    this.state = state;
    this.generation++;
    this.failures = 0;
    this.successes = 0;
    this.inFlightTrials = 0;
    this.openedAt = now;
  }

  observe(now: number): Model['state'] {
    if (this.state === 'open' && now - this.openedAt >= this.s.openMs) this.#go('half-open', now);
    return this.state;
  }

  acquire(now: number): number | undefined {
    const state = this.observe(now);
    if (state === 'open') return undefined;
    if (state === 'half-open') {
      if (this.inFlightTrials === this.s.halfOpenMaxCalls) return undefined;
      this.inFlightTrials++;
    }
    return this.generation;
  }

  settle(generation: number, ok: boolean, now: number) {
    if (generation !== this.generation) return;
    if (this.state === 'closed') {
      this.failures = ok ? 0 : this.failures + 1;
      if (this.failures === this.s.failureThreshold) this.#go('open', now);
    } else if (this.state === 'half-open') {
      this.inFlightTrials--;
      if (!ok) this.#go('open', now);
      else if (++this.successes === this.s.successThreshold) this.#go('closed', now);
    }
  }
}

const settings = fc.record({
  failureThreshold: fc.integer({ min: 1, max: 5 }),
  openMs: fc.integer({ min: 0, max: 100 }),
  halfOpenMaxCalls: fc.integer({ min: 1, max: 3 }),
  successThreshold: fc.integer({ min: 1, max: 3 }),
});

const step = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ op: 'acquire' as const }) },
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant('settle' as const), pick: fc.nat(), ok: fc.boolean() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('advance' as const),
      ms: fc.integer({ min: 0, max: 60 }),
    }),
  },
);

test.prop([settings, fc.array(step, { maxLength: 200 })], { numRuns: 300 })(
  'the breaker agrees with the model after every step',
  (s, steps) => {
    const clock = new SimulatedClock(0);
    const breaker = new CircuitBreaker({ ...s, clock });
    const model = new Model(s);
    const outstanding: { permit: BreakerPermit; generation: number }[] = [];
    for (const st of steps) {
      if (st.op === 'acquire') {
        const permit = breaker.acquire();
        const generation = model.acquire(clock.now());
        expect(permit === undefined).toBe(generation === undefined);
        if (permit && generation !== undefined) outstanding.push({ permit, generation });
      } else if (st.op === 'settle') {
        if (outstanding.length === 0) continue;
        const [call] = outstanding.splice(st.pick % outstanding.length, 1);
        if (!call) continue;
        if (st.ok) breaker.succeeded(call.permit);
        else breaker.failed(call.permit);
        model.settle(call.generation, st.ok, clock.now());
      } else {
        clock.advance(st.ms);
      }
      expect(breaker.state).toBe(model.observe(clock.now()));
    }
  },
);
