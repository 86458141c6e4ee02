import { defineOptions, option } from '@coordinator/core';
import { defaultReplayRetry } from './replay-retry.js';

/** `coordinator replay`'s options (its flags), resolved and checked once. */
export const replayOptions = defineOptions('replay', {
  concurrency: option.integer({
    min: 1,
    max: 1024,
    default: 16,
    flag: 'concurrency',
    description: 'Outcomes in flight at once (two of one idempotency key never are)',
  }),
  ratePerSecond: option.integer({
    min: 0,
    default: 500,
    flag: 'rate',
    description: 'sends a second at most, retries included (0: no bound)',
  }),
  timeoutMs: option.integer({
    min: 1,
    default: 10_000,
    flag: 'timeout',
    description: 'a send without an answer this long is retried',
  }),
  maxAttempts: option.integer({
    min: 1,
    default: defaultReplayRetry.maxAttempts,
    flag: 'max-attempts',
    description: 'tries per Outcome before the replay stops',
  }),
});
