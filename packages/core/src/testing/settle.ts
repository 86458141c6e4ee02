import type { SimulatedClock } from './simulated-clock.js';

/**
 * Runs a driver on virtual time until nothing is left to do (no running body, no armed timer) or
 * `maxMs` of virtual time have passed. Returns the virtual time spent.
 */
export async function settle(
  driver: { idle(): Promise<void> },
  clock: SimulatedClock,
  maxMs = Number.POSITIVE_INFINITY,
): Promise<number> {
  const start = clock.now();
  for (;;) {
    await driver.idle();
    const next = clock.nextAt();
    if (next === undefined || next - start > maxMs) return clock.now() - start;
    clock.fireNext();
  }
}
