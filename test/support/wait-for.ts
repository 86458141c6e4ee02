import { setTimeout as sleep } from 'node:timers/promises';

/** What a check returns while its condition does not hold yet. */
type NotYet = undefined | false;

/**
 * Polls `check` until it returns a value (anything but `undefined` or `false`) and resolves with
 * that value; after `timeoutMs` fails, naming `what` it waited for (a function is asked only then,
 * so it can describe the last state seen). A `check` that throws fails the wait at once. Polls
 * after 1 ms, then twice as long each time up to `everyMs`: quick conditions are seen at once,
 * slow ones (an HTTP round trip per check) are not asked too often. The one way tests and
 * benches wait: on a condition with a deadline, not a sleep.
 *
 * @example
 * const reconnect = await waitFor('a reconnect', () =>
 *   events.find((e) => e.type === 'client.reconnecting'),
 * );
 */
export async function waitFor<T>(
  what: string | (() => string),
  check: () => T | NotYet | Promise<T | NotYet>,
  timeoutMs = 15_000,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let pauseMs = 1; ; pauseMs = Math.min(pauseMs * 2, everyMs)) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      const label = typeof what === 'string' ? what : what();
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${label}`);
    }
    await sleep(pauseMs);
  }
}
