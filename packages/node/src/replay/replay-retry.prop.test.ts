import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { replayRetryDelay, retryAfterMs, verdictOfStatus } from './replay-retry.js';

const random01 = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const timing = fc
  .record({
    initialDelayMs: fc.integer({ min: 1, max: 100_000 }),
    extraMs: fc.nat({ max: 1_000_000 }),
    maxAttempts: fc.integer({ min: 1, max: 30 }),
  })
  .map(({ initialDelayMs, extraMs, maxAttempts }) => ({
    initialDelayMs,
    maxDelayMs: initialDelayMs + extraMs,
    maxAttempts,
  }));

test.prop([timing, fc.nat({ max: 100 }), random01, fc.option(fc.nat({ max: 10_000_000 }))])(
  'a retry waits between half the exponential step (or Retry-After) and the cap, and only while tries are left',
  (t, attempt, r, after) => {
    const delay = replayRetryDelay(t, attempt, r, after ?? undefined);
    if (attempt + 1 >= t.maxAttempts) {
      expect(delay).toBeUndefined();
      return;
    }
    expect(delay).toBeDefined();
    const ms = delay as number;
    const step = Math.min(t.maxDelayMs, t.initialDelayMs * 2 ** attempt);
    expect(Number.isInteger(ms)).toBe(true);
    expect(ms).toBeLessThanOrEqual(t.maxDelayMs);
    expect(ms).toBeGreaterThanOrEqual(Math.floor(step / 2));
    expect(ms).toBeGreaterThanOrEqual(Math.min(t.maxDelayMs, after ?? 0));
  },
);

test.prop([timing, fc.array(random01, { minLength: 30, maxLength: 30 })])(
  'one Outcome is tried at most maxAttempts times, waiting at most (maxAttempts - 1) × the cap in all',
  (t, randoms) => {
    let tries = 1;
    let waited = 0;
    for (let attempt = 0; ; attempt++) {
      const delay = replayRetryDelay(t, attempt, randoms[attempt] ?? 0);
      if (delay === undefined) break;
      tries += 1;
      waited += delay;
    }
    expect(tries).toBe(t.maxAttempts);
    expect(waited).toBeLessThanOrEqual((t.maxAttempts - 1) * t.maxDelayMs);
  },
);

test.prop([fc.integer({ min: 100, max: 599 })])(
  'every status has one verdict: 208/409 skipped, 2xx sent, 408/429/5xx retried, the rest terminal',
  (status) => {
    const verdict = verdictOfStatus(status);
    if (status === 208 || status === 409) expect(verdict).toBe('skipped');
    else if (status >= 200 && status < 300) expect(verdict).toBe('sent');
    else if (status === 408 || status === 429 || status >= 500) expect(verdict).toBe('retry');
    else expect(verdict).toBe('terminal');
  },
);

test.prop([fc.nat({ max: 100_000 }), fc.integer({ min: 0, max: 4e12 })])(
  'Retry-After in seconds or as a date is a wait in ms, never negative',
  (seconds, now) => {
    expect(retryAfterMs(String(seconds), now)).toBe(seconds * 1000);
    const date = new Date(Math.floor(now / 1000) * 1000 + seconds * 1000).toUTCString();
    expect(retryAfterMs(date, now)).toBeGreaterThanOrEqual(0);
    expect(retryAfterMs(date, now)).toBeLessThanOrEqual(seconds * 1000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  },
);
