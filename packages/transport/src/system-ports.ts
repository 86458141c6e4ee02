import { randomUUID, webcrypto } from 'node:crypto';
import type { Clock, IdSource, Random, TimerHandle } from '@coordinator/core';

/**
 * The wall clock. Its timers are unref'd: keepalive, reconnect and breaker timers never keep a
 * process alive on their own.
 */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimer(callback: () => void, delayMs: number): TimerHandle {
    return setTimeout(callback, delayMs).unref();
  },
  clearTimer(handle: TimerHandle): void {
    clearTimeout(handle as NodeJS.Timeout);
  },
});

const buffer = new Uint32Array(1024);
let next = buffer.length;

/** Crypto randomness as the `Random` port (retry and reconnect jitter), drawn 1,024 words at a time. */
export const systemRandom: Random = Object.freeze({
  next(): number {
    if (next === buffer.length) {
      webcrypto.getRandomValues(buffer);
      next = 0;
    }
    return (buffer[next++] as number) / 4294967296;
  },
});

/** Random UUIDs for Commands submitted without an id. */
export const uuidIds: IdSource = Object.freeze({ next: () => randomUUID() });
