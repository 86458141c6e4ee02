/**
 * Outcome replay end to end: a node process on the file log runs 5,000 orders of the example saga
 * against its real services (every 10th cannot be shipped: refunded and released; every 7th is
 * over the card limit: released), then payments and inventory lose all their data and
 * `coordinator replay` processes rebuild each to exactly the state it had (full state dumps
 * compared), one through `--to` its rebuild endpoint, one through the config's `outcomeReplay`
 * hook. Replaying again changes nothing; a replay SIGKILLed half-way and started again finishes
 * with the same state and no gaps.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { cardLimit } from '../examples/order-saga/services.js';
import type { ToyService } from '../examples/order-saga/toy-service.js';
import { nodeFixture } from './support/node-fixture.js';
import { type NodeProcess, runCli, spawnCli, submit, tempDir } from './support/node-process.js';
import { repoRoot } from './support/spawn-process.js';
import { waitFor } from './support/wait-for.js';

const total = Number(process.env.COORDINATOR_REPLAY_ORDERS ?? 5000);
const fixture = nodeFixture({ args: ['--max-cmds', '100000'] });
const exampleConfig = join(repoRoot, 'examples/order-saga/coordinator.config.ts');

function order(i: number) {
  return {
    sku: i % 10 === 0 ? `NOSHIP-${i % 50}` : `SKU-${i % 50}`,
    qty: 1 + (i % 3),
    amount: i % 7 === 0 ? cardLimit + 1 : 10 + (i % 13) * 0.25,
  };
}

/** Submits `count` orders from 64 concurrent clients, each acknowledged (202) before the next. */
async function submitOrders(url: string, count: number, prefix = 'replay-') {
  let next = 0;
  const client = async () => {
    for (let i = next++; i < count; i = next++) {
      const answer = await submit(url, { type: 'order', id: `${prefix}${i}`, payload: order(i) });
      if (answer.status !== 202) throw new Error(`order ${i}: ${JSON.stringify(answer.body)}`);
    }
  };
  await Promise.all(Array.from({ length: 64 }, client));
}

/** Waits until the node has no unfinished Command. */
async function drained(node: NodeProcess, timeoutMs = 180_000) {
  let last: unknown;
  await waitFor(
    () => `every order to finish (last /readyz: ${JSON.stringify(last)})`,
    async () => {
      last = await (await fetch(`${node.url}/readyz`)).json();
      return (last as { detail?: { inFlight?: number } }).detail?.inFlight === 0;
    },
    timeoutMs,
    250,
  );
}

const state = async (s: ToyService) => (await fetch(`${s.url}/admin/state`)).text();
const keysIn = (dump: string) => Object.keys((JSON.parse(dump) as { byKey: object }).byKey).length;
const wipe = (s: ToyService) => fetch(`${s.url}/admin/wipe`, { method: 'POST' });

interface Summary {
  readonly sent: number;
  readonly skipped: number;
  readonly failed: number;
  readonly cursor: string | null;
  readonly complete: boolean;
}

/** `coordinator replay` to the end; its closing JSON line. */
async function replay(node: NodeProcess, service: string, args: readonly string[]) {
  const run = await runCli(
    [
      'replay',
      '--service',
      service,
      '--url',
      node.url,
      '--rate',
      '0',
      '--concurrency',
      '32',
      ...args,
    ],
    { env: fixture.env },
  );
  expect(run.code, run.stderr).toBe(0);
  expect(run.stderr).toMatch(new RegExp(`replay ${service}: .* sent, .* skipped, 0 failed`));
  return JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as Summary;
}

it(`rebuilds payments and inventory from ${total} orders' Outcomes exactly, idempotently, and through a SIGKILL`, async () => {
  const { inventory, payments } = fixture.services;
  const node = await fixture.node();
  const dir = await tempDir('coordinator-replay-');
  const to = (s: ToyService) => ['--to', `${s.url}/admin/rebuild`];
  const hook = ['--config', exampleConfig];
  const cursor = (name: string) => ['--cursor-file', join(dir, `${name}.json`)];

  await submitOrders(node.url, total);
  await drained(node);
  const before = { payments: await state(payments), inventory: await state(inventory) };
  const counts = { payments: keysIn(before.payments), inventory: keysIn(before.inventory) };
  // Charges of the orders under the card limit, refunds of those not shipped; a reservation per
  // order, a release per order not shipped.
  const declined = Math.ceil(total / 7);
  const unshipped = Math.ceil(total / 10) - Math.ceil(total / 70);
  expect(counts.payments).toBe(total - declined + unshipped);
  expect(counts.inventory).toBe(total + declined + unshipped);

  await Promise.all([wipe(payments), wipe(inventory)]);
  expect(keysIn(await state(payments))).toBe(0);

  // A dry run prints every Outcome it would send and sends none.
  const dry = await runCli(
    [
      'replay',
      '--service',
      'payments',
      ...to(payments),
      '--url',
      node.url,
      '--dry-run',
      ...cursor('dry'),
    ],
    { env: fixture.env },
  );
  expect(dry.code, dry.stderr).toBe(0);
  const lines = dry.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { service: string });
  expect(lines).toHaveLength(counts.payments);
  expect(new Set(lines.map((l) => l.service))).toEqual(new Set(['payments']));
  expect(keysIn(await state(payments))).toBe(0);

  // Both rebuilt at once: payments through its endpoint, inventory through the config's hook.
  const [paid, held] = await Promise.all([
    replay(node, 'payments', [...to(payments), ...cursor('payments')]),
    replay(node, 'inventory', [...hook, ...cursor('inventory')]),
  ]);
  expect(paid).toMatchObject({ sent: counts.payments, skipped: 0, failed: 0, complete: true });
  expect(held).toMatchObject({ sent: counts.inventory, skipped: 0, failed: 0, complete: true });
  expect(await state(payments)).toBe(before.payments);
  expect(await state(inventory)).toBe(before.inventory);

  // Again from the saved cursors: nothing left to send. From the start, the other way round:
  // every Outcome is known already, and nothing changes.
  expect(await replay(node, 'payments', [...to(payments), ...cursor('payments')])).toMatchObject({
    sent: 0,
    skipped: 0,
    cursor: paid.cursor,
  });
  const [paidAgain, heldAgain] = await Promise.all([
    replay(node, 'payments', [...hook, ...cursor('payments-hook'), '--from-start']),
    replay(node, 'inventory', [...to(inventory), ...cursor('inventory-to'), '--from-start']),
  ]);
  expect(paidAgain).toMatchObject({ sent: 0, skipped: counts.payments, failed: 0 });
  expect(heldAgain).toMatchObject({ sent: 0, skipped: counts.inventory, failed: 0 });
  expect(await state(payments)).toBe(before.payments);
  expect(await state(inventory)).toBe(before.inventory);

  // Payments loses its data again; a paced replay is SIGKILLed half-way, then started again.
  await wipe(payments);
  const killed = spawnCli(
    [
      'replay',
      '--service',
      'payments',
      '--url',
      node.url,
      ...to(payments),
      ...cursor('killed'),
      '--rate',
      '400',
    ],
    { env: fixture.env },
  );
  const saved = join(dir, 'killed.json');
  await waitFor(
    () => `half of payments rebuilt and a cursor saved (${payments.answers.size} rebuilt)`,
    async () =>
      payments.answers.size >= counts.payments / 2 &&
      (await readFile(saved, 'utf8').catch(() => undefined)) !== undefined,
    60_000,
  );
  await killed.kill('SIGKILL');
  const rebuiltAtKill = payments.answers.size;
  expect(rebuiltAtKill).toBeLessThan(counts.payments);
  const resumed = await replay(node, 'payments', [...to(payments), ...cursor('killed')]);
  // It resumed where the saved cursor stood: it did not send everything again, and what it sent
  // again (already rebuilt before the kill) is skipped.
  expect(resumed.sent + resumed.skipped).toBeLessThan(counts.payments);
  expect(resumed.sent).toBeGreaterThan(0);
  expect(resumed.sent).toBeLessThanOrEqual(counts.payments - rebuiltAtKill);
  expect(await state(payments)).toBe(before.payments);
  console.log(
    `replay: ${total} orders; ${counts.payments} payments and ${counts.inventory} inventory Outcomes rebuilt; the killed replay had rebuilt ${rebuiltAtKill}, its resumption sent ${resumed.sent} and skipped ${resumed.skipped}`,
  );
});

it('stops at an Outcome the target refuses, naming it with the status and body, exit 1', async () => {
  const { payments } = fixture.services;
  const node = await fixture.node();
  await submitOrders(node.url, 5, 'refused-');
  await drained(node);
  const dir = await tempDir('coordinator-replay-');
  const run = await runCli(
    [
      'replay',
      '--service',
      'inventory',
      '--url',
      node.url,
      '--to',
      `${payments.url}/admin/rebuild`,
      '--cursor-file',
      join(dir, 'cursor.json'),
      '--concurrency',
      '1',
    ],
    { env: fixture.env },
  );
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(
    /REPLAY_STOPPED: Outcome refused-\d:reserve \(Command refused-\d, step reserve, cursor \S+\) was refused: \S+ answered 422: \{"error":"this is payments, not inventory"\}/,
  );
  expect(JSON.parse(run.stdout.trim())).toMatchObject({ sent: 0, failed: 1, complete: false });
});
