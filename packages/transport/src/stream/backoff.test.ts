import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

const timing = { initialDelayMs: 100, maxDelayMs: 10_000 };

describe('backoffDelay', () => {
  it('doubles per attempt within [step/2, step)', () => {
    expect([0, 1, 2, 3].map((a) => backoffDelay(timing, a, 0))).toEqual([50, 100, 200, 400]);
    expect([0, 1, 2, 3].map((a) => backoffDelay(timing, a, 0.999))).toEqual([99, 199, 399, 799]);
  });

  it('stays under the cap however many attempts failed', () => {
    expect(backoffDelay(timing, 10, 0.5)).toBe(7_500);
    expect(backoffDelay(timing, 10_000, 0.999)).toBeLessThan(10_000);
  });
});
