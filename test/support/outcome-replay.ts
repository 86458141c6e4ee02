/**
 * What the Outcome replay process tests share: the orders they run (some compensated), the example
 * services' state dumps and wipes, and `coordinator replay` runs (to the end, or SIGKILLed
 * half-way).
 */
import { readFile } from 'node:fs/promises';
import { expect } from 'vitest';
import { cardLimit } from '../../examples/order-saga/services.js';
import type { ToyService } from '../../examples/order-saga/toy-service.js';
import { runCli, spawnCli } from './node-process.js';
import { waitFor } from './wait-for.js';

/**
 * Order `i`: every 10th cannot be shipped (refunded and released), every 7th is over the card
 * limit (declined, released).
 */
export function replayOrder(i: number) {
  return {
    sku: i % 10 === 0 ? `NOSHIP-${i % 50}` : `SKU-${i % 50}`,
    qty: 1 + (i % 3),
    amount: i % 7 === 0 ? cardLimit + 1 : 10 + (i % 13) * 0.25,
  };
}

/** The Outcomes `count` orders leave with payments and with inventory. */
export function outcomeCounts(count: number) {
  const declined = Math.ceil(count / 7);
  const unshipped = Math.ceil(count / 10) - Math.ceil(count / 70);
  // A charge per order under the limit and a refund per one not shipped; a reservation per
  // order and a release per order not shipped.
  return { payments: count - declined + unshipped, inventory: count + declined + unshipped };
}

/** A service's full state dump (canonical JSON). */
export const stateOf = async (s: ToyService) => (await fetch(`${s.url}/admin/state`)).text();
/** How many answers a state dump holds. */
export const keysIn = (dump: string) =>
  Object.keys((JSON.parse(dump) as { byKey: object }).byKey).length;
/** The service loses all its data. */
export const wipe = (s: ToyService) => fetch(`${s.url}/admin/wipe`, { method: 'POST' });
/** `--to` a service's rebuild endpoint. */
export const rebuildAt = (s: ToyService) => ['--to', `${s.url}/admin/rebuild`];

export interface ReplaySummary {
  readonly sent: number;
  readonly skipped: number;
  readonly failed: number;
  readonly cursor: string | null;
  readonly complete: boolean;
}

function replayArgs(url: string, service: string, args: readonly string[]) {
  return ['replay', '--service', service, '--url', url, '--concurrency', '32', ...args];
}

/** `coordinator replay --service <service> --url <url> <args>` run to its end, as it went. */
export function runReplay(
  url: string,
  service: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
) {
  return runCli(replayArgs(url, service, args), { env });
}

/** `coordinator replay` (unbounded rate unless `args` say) run to its end; its JSON summary. */
export async function replayCli(
  url: string,
  service: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<ReplaySummary> {
  const run = await runReplay(url, service, ['--rate', '0', ...args], env);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stderr).toMatch(new RegExp(`replay ${service}: .* sent, .* skipped, 0 failed`));
  return JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as ReplaySummary;
}

/**
 * `target` loses all its data; a paced replay of its Outcomes is sent `signal` (SIGKILL: no
 * chance to save; SIGTERM: it stops, saves and exits 130) once half of `count` are rebuilt and a
 * cursor is saved in `cursorFile`, then run again to its end. The rerun resumes
 * from the saved cursor: it does not send everything again, and what it sends again (rebuilt
 * before the kill) is skipped. Resolves with how many were rebuilt at the kill and the rerun's
 * summary; the caller compares the state.
 */
export async function replayThroughKill(
  url: string,
  target: ToyService,
  count: number,
  cursorFile: string,
  env: Readonly<Record<string, string>>,
  signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL',
): Promise<{ rebuilt: number; rerun: ReplaySummary }> {
  await wipe(target);
  const args = [...rebuildAt(target), '--cursor-file', cursorFile];
  const replay = spawnCli(replayArgs(url, target.name, [...args, '--rate', '400']), { env });
  try {
    await waitFor(
      () => `half of ${target.name} rebuilt and a cursor saved (${target.answers.size} rebuilt)`,
      async () =>
        target.answers.size >= count / 2 &&
        (await readFile(cursorFile, 'utf8').catch(() => undefined)) !== undefined,
      60_000,
    );
  } finally {
    const exit = await replay.kill(signal);
    expect(exit).toBe(signal === 'SIGKILL' ? 'SIGKILL' : 130);
  }
  const rebuilt = target.answers.size;
  expect(rebuilt).toBeLessThan(count);
  const rerun = await replayCli(url, target.name, args, env);
  expect(rerun.sent + rerun.skipped).toBeLessThan(count);
  expect(rerun.sent).toBeGreaterThan(0);
  expect(rerun.sent).toBeLessThanOrEqual(count - rebuilt);
  return { rebuilt, rerun };
}
