import { SimulatedClock } from '@coordinator/core/testing';
import { describe, expect, it } from 'vitest';
import type { TransportEvent } from '../transport-events.js';
import { type BreakerPermit, CircuitBreaker } from './circuit-breaker.js';

function breaker(options: Partial<ConstructorParameters<typeof CircuitBreaker>[0]> = {}) {
  const clock = new SimulatedClock(1_000);
  const events: TransportEvent[] = [];
  const b = new CircuitBreaker({
    service: 'inventory',
    failureThreshold: 3,
    openMs: 1_000,
    clock,
    onEvent: (e) => events.push(e),
    ...options,
  });
  return { b, clock, events };
}

function take(b: CircuitBreaker): BreakerPermit {
  const permit = b.acquire();
  if (!permit) throw new Error('expected a permit');
  return permit;
}

describe('CircuitBreaker', () => {
  it('opens after consecutive failures, refuses while open, half-opens after openMs', () => {
    const { b, clock, events } = breaker();
    b.failed(take(b));
    b.failed(take(b));
    b.succeeded(take(b));
    b.failed(take(b));
    b.failed(take(b));
    expect(b.state).toBe('closed');
    b.failed(take(b));
    expect(b.state).toBe('open');
    expect(b.acquire()).toBeUndefined();
    expect(b.retryAt).toBe(2_000);
    clock.advance(999);
    expect(b.acquire()).toBeUndefined();
    clock.advance(1);
    expect(b.state).toBe('half-open');
    expect(events.map((e) => (e.type === 'breaker.transition' ? `${e.from}>${e.to}` : ''))).toEqual(
      ['closed>open', 'open>half-open'],
    );
  });

  it('lets one trial through while half-open; its success closes the circuit', () => {
    const { b, clock } = breaker();
    for (let i = 0; i < 3; i++) b.failed(take(b));
    clock.advance(1_000);
    const trial = take(b);
    expect(b.acquire()).toBeUndefined();
    b.succeeded(trial);
    expect(b.state).toBe('closed');
    expect(b.acquire()).toBeDefined();
  });

  it('reopens when the trial fails, for another openMs', () => {
    const { b, clock } = breaker();
    for (let i = 0; i < 3; i++) b.failed(take(b));
    clock.advance(1_500);
    b.failed(take(b));
    expect(b.state).toBe('open');
    expect(b.retryAt).toBe(clock.now() + 1_000);
  });

  it('needs successThreshold successful trials to close', () => {
    const { b, clock } = breaker({ successThreshold: 2, halfOpenMaxCalls: 2 });
    for (let i = 0; i < 3; i++) b.failed(take(b));
    clock.advance(1_000);
    const first = take(b);
    const second = take(b);
    expect(b.acquire()).toBeUndefined();
    b.succeeded(first);
    expect(b.state).toBe('half-open');
    b.succeeded(second);
    expect(b.state).toBe('closed');
  });

  it('ignores outcomes of calls let through before the last change of state', () => {
    const { b, clock } = breaker();
    const slow = take(b);
    for (let i = 0; i < 3; i++) b.failed(take(b));
    clock.advance(1_000);
    const trial = take(b);
    b.succeeded(slow);
    expect(b.state).toBe('half-open');
    b.failed(slow);
    expect(b.state).toBe('half-open');
    b.succeeded(trial);
    expect(b.state).toBe('closed');
  });

  it('validates its options', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0 })).toThrow(
      'Expected CircuitBreaker option `failureThreshold` to be an integer from 1 and up, got `0` (number)',
    );
  });
});
