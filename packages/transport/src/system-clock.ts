import type { Clock, TimerHandle } from '@coordinator/core';

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
