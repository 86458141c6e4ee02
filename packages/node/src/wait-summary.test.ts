import { describe, expect, it } from 'vitest';
import { WaitSummary } from './wait-summary.js';

const down = { code: 'DELAYED', message: 'payments answered 503' };

describe('WaitSummary', () => {
  it('reports the first wait of an outage, then one summary per service per interval', () => {
    const waits = new WaitSummary();
    expect(waits.record('payments', 'delayed', down)).toEqual({
      kind: 'first',
      service: 'payments',
      record: 'delayed',
      error: down,
    });
    for (let i = 0; i < 50; i++) expect(waits.record('payments', 'delayed', down)).toBeUndefined();
    const blocked = { code: 'BLOCKED', message: 'circuit open' };
    expect(waits.record('payments', 'blocked', blocked)).toBeUndefined();
    expect(waits.record('shipping', 'delayed', down)?.kind).toBe('first');
    expect(waits.flush()).toEqual([
      { kind: 'summary', service: 'payments', delayed: 50, blocked: 1, lastError: blocked },
    ]);
    expect(waits.flush()).toEqual([]);
    expect(waits.active).toBe(1);
  });

  it('ends an outage after two quiet intervals: the next wait is a first again', () => {
    const waits = new WaitSummary();
    waits.record('payments', 'delayed', down);
    waits.flush();
    expect(waits.record('payments', 'delayed', down)).toBeUndefined();
    waits.flush();
    waits.flush();
    waits.flush();
    expect(waits.active).toBe(0);
    expect(waits.record('payments', 'delayed', down)?.kind).toBe('first');
  });
});
