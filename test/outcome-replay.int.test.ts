/**
 * Outcome replay end to end: a node process on the file log runs 5,000 orders of the example saga
 * against its real services (some compensated: see `replayOrder`), then payments and inventory
 * lose all their data and `coordinator replay` processes rebuild each to exactly the state it had
 * (full state dumps compared), one through `--to` its rebuild endpoint, one through the config's
 * `outcomeReplay` hook. Replaying again changes nothing; a replay SIGKILLed half-way and started
 * again finishes with the same state and no gaps, and so does one stopped by SIGTERM (exit 130).
 */
import { join } from 'node:path';
import type { ArchivedOutcome } from '@coordinator/core';
import { expect, it } from 'vitest';
import { nodeFixture } from './support/node-fixture.js';
import { type NodeProcess, runCli, submit, tempDir } from './support/node-process.js';
import {
  keysIn,
  outcomeCounts,
  rebuildAt,
  replayCli,
  replayOrder,
  replayThroughKill,
  runReplay,
  stateOf,
  wipe,
} from './support/outcome-replay.js';
import { repoRoot } from './support/spawn-process.js';
import { waitFor } from './support/wait-for.js';

const total = Number(process.env.COORDINATOR_REPLAY_ORDERS ?? 5000);
const fixture = nodeFixture({ args: ['--max-cmds', '100000'] });
const exampleConfig = join(repoRoot, 'examples/order-saga/coordinator.config.ts');

/** Submits `count` orders from 64 concurrent clients, each acknowledged (202) before the next. */
async function submitOrders(url: string, count: number, prefix = 'replay-') {
  let next = 0;
  const client = async () => {
    for (let i = next++; i < count; i = next++) {
      const answer = await submit(url, {
        type: 'order',
        id: `${prefix}${i}`,
        payload: replayOrder(i),
      });
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

/** A dry run of payments' replay from `node`: its stderr, and the Outcomes it printed. */
async function dryRun(node: NodeProcess, extra: readonly string[] = []) {
  const dir = await tempDir('coordinator-replay-');
  const target = rebuildAt(fixture.services.payments);
  const cursorFile = ['--cursor-file', join(dir, 'cursor.json')];
  const run = await runReplay(
    node.url,
    'payments',
    [...target, ...cursorFile, '--dry-run', ...extra],
    fixture.env,
  );
  expect(run.code, run.stderr).toBe(0);
  const lines = run.stdout.split('\n').filter((line) => line !== '');
  return { stderr: run.stderr, outcomes: lines.map((l) => JSON.parse(l) as ArchivedOutcome) };
}

it(`rebuilds payments and inventory from ${total} orders' Outcomes exactly, idempotently, and through a SIGKILL and a SIGTERM`, async () => {
  const { inventory, payments } = fixture.services;
  const node = await fixture.node();
  const dir = await tempDir('coordinator-replay-');
  const hook = ['--config', exampleConfig];
  const cursor = (name: string) => ['--cursor-file', join(dir, `${name}.json`)];
  const replay = (service: string, args: readonly string[]) =>
    replayCli(node.url, service, args, fixture.env);

  await submitOrders(node.url, total);
  await drained(node);
  const before = { payments: await stateOf(payments), inventory: await stateOf(inventory) };
  const counts = outcomeCounts(total);
  expect(keysIn(before.payments)).toBe(counts.payments);
  expect(keysIn(before.inventory)).toBe(counts.inventory);

  await Promise.all([wipe(payments), wipe(inventory)]);
  expect(keysIn(await stateOf(payments))).toBe(0);

  // A dry run prints every Outcome it would send and sends none.
  const { outcomes: printed } = await dryRun(node);
  expect(printed).toHaveLength(counts.payments);
  expect(new Set(printed.map((o) => o.service))).toEqual(new Set(['payments']));
  expect(keysIn(await stateOf(payments))).toBe(0);

  // Both rebuilt at once: payments through its endpoint, inventory through the config's hook.
  const [paid, held] = await Promise.all([
    replay('payments', [...rebuildAt(payments), ...cursor('payments')]),
    replay('inventory', [...hook, ...cursor('inventory')]),
  ]);
  expect(paid).toMatchObject({ sent: counts.payments, skipped: 0, failed: 0, complete: true });
  expect(held).toMatchObject({ sent: counts.inventory, skipped: 0, failed: 0, complete: true });
  expect(await stateOf(payments)).toBe(before.payments);
  expect(await stateOf(inventory)).toBe(before.inventory);

  // Again from the saved cursor: nothing left to send. From the start, the other way round:
  // every Outcome is known already, and nothing changes.
  expect(await replay('payments', [...rebuildAt(payments), ...cursor('payments')])).toMatchObject({
    sent: 0,
    skipped: 0,
    cursor: paid.cursor,
  });
  const [paidAgain, heldAgain] = await Promise.all([
    replay('payments', [...hook, ...cursor('payments-hook'), '--from-start']),
    replay('inventory', [...rebuildAt(inventory), ...cursor('inventory-to'), '--from-start']),
  ]);
  expect(paidAgain).toMatchObject({ sent: 0, skipped: counts.payments, failed: 0 });
  expect(heldAgain).toMatchObject({ sent: 0, skipped: counts.inventory, failed: 0 });
  expect(await stateOf(payments)).toBe(before.payments);
  expect(await stateOf(inventory)).toBe(before.inventory);

  // Payments loses its data again; a paced replay is SIGKILLed half-way, then started again.
  const { rebuilt, rerun } = await replayThroughKill(
    node.url,
    payments,
    counts.payments,
    join(dir, 'killed.json'),
    fixture.env,
  );
  expect(await stateOf(payments)).toBe(before.payments);
  // Inventory the same, stopped by SIGTERM: it stops, saves its cursor and exits 130.
  await replayThroughKill(
    node.url,
    inventory,
    counts.inventory,
    join(dir, 'terminated.json'),
    fixture.env,
    'SIGTERM',
  );
  expect(await stateOf(inventory)).toBe(before.inventory);
  console.log(
    `replay: ${total} orders; ${counts.payments} payments and ${counts.inventory} inventory Outcomes rebuilt; the killed replay had rebuilt ${rebuilt}, its rerun sent ${rerun.sent} and skipped ${rerun.skipped}`,
  );
});

it('stops at an Outcome the target refuses, naming it with the status and body, exit 1', async () => {
  const { payments } = fixture.services;
  const node = await fixture.node();
  await submitOrders(node.url, 5, 'refused-');
  await drained(node);
  const dir = await tempDir('coordinator-replay-');
  const run = await runReplay(
    node.url,
    'inventory',
    [...rebuildAt(payments), '--cursor-file', join(dir, 'cursor.json'), '--concurrency', '1'],
    fixture.env,
  );
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(
    /REPLAY_STOPPED: Outcome refused-\d:reserve \(Command refused-\d, step reserve, cursor \S+\) was refused: \S+ answered 422: \{"error":"this is payments, not inventory"\}/,
  );
  expect(JSON.parse(run.stdout.trim())).toMatchObject({ sent: 0, failed: 1, complete: false });
});

it('refuses bad flags with INVALID_OPTION and exit 2, before reading anything', async () => {
  const refusals = await Promise.all(
    [
      ['--to', 'http://127.0.0.1:1/rebuild', '--rate', '-1'],
      ['--to', 'http://127.0.0.1:1/rebuild', '--concurrency', '0'],
      ['--to', 'http://127.0.0.1:1/rebuild', '--config', 'coordinator.config.ts'],
      ['--to', 'ftp://127.0.0.1/rebuild'],
      [],
    ].map((args) =>
      runCli(['replay', '--service', 'payments', '--url', 'http://127.0.0.1:1', ...args]),
    ),
  );
  expect(refusals.map((r) => r.code)).toEqual([2, 2, 2, 2, 2]);
  const messages = refusals.map((r) => r.stderr.trim());
  expect(messages[0]).toMatch(
    /INVALID_OPTION: Expected replay option `ratePerSecond` \(from flags\) to be an integer from 0 and up, got `-1`/,
  );
  expect(messages[1]).toMatch(
    /`concurrency` \(from flags\) to be an integer from 1 to 1024, got `0`/,
  );
  expect(messages[2]).toMatch(/either --to <url> or --config <file>/);
  expect(messages[3]).toMatch(/--to must be an http:\/\/ or https:\/\/ URL, got "ftp:/);
  expect(messages[4]).toMatch(/Say where to replay to: --to <url>, or --config <file>/);
});

it('reads from a node with an API token only with --token', async () => {
  const { payments } = fixture.services;
  const token = 'replay-secret-token';
  const node = await fixture.node({ env: { COORDINATOR_API_TOKEN: token } });
  const answer = await submit(
    node.url,
    { type: 'order', id: 'token-1', payload: replayOrder(1) },
    { wait: 10_000, headers: { authorization: `Bearer ${token}` } },
  );
  expect(answer.body.state).toBe('done');
  const dir = await tempDir('coordinator-replay-');
  const replay = (extra: string[]) =>
    runReplay(
      node.url,
      'payments',
      [...rebuildAt(payments), '--cursor-file', join(dir, 'cursor.json'), ...extra],
      { COORDINATOR_API_TOKEN: '' },
    );
  const refused = await replay([]);
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/UNAUTHORIZED/);
  const dry = await replay(['--token', token, '--dry-run']);
  expect(dry.code, dry.stderr).toBe(0);
  expect(JSON.parse(dry.stdout.trim())).toMatchObject({
    commandId: 'token-1',
    step: 'charge',
    idempotencyKey: 'token-1:charge',
    compensation: false,
  });
});

it('says from where it is complete when retention dropped older Outcomes', async () => {
  const node = await fixture.node({
    args: ['--outcome-retention', '2KiB'],
    env: { COORDINATOR_ARCHIVE_SEGMENT_BYTES: '512' },
  });
  // In rounds, so that the archive writes (and seals segments) more than once.
  for (let round = 0; round < 8; round++) {
    await submitOrders(node.url, 5, `retained-${round}-`);
    await drained(node);
  }
  const { stderr, outcomes } = await dryRun(node);
  expect(outcomes.length).toBeGreaterThan(0);
  expect(outcomes.length).toBeLessThan(8 * outcomeCounts(5).payments);
  const oldest = new Date((outcomes[0] as ArchivedOutcome).at).toISOString();
  expect(stderr).toContain(
    `replay payments: Outcomes before ${oldest} are no longer kept; the replay is complete from there on`,
  );
});

it('replays only the Outcomes recorded since --since', async () => {
  const node = await fixture.node();
  await submitOrders(node.url, 5, 'before-');
  await drained(node);
  const sinceMs = Date.now() + 1;
  await waitFor('the clock past the first orders', () => Date.now() > sinceMs);
  await submitOrders(node.url, 5, 'after-');
  await drained(node);
  const all = (await dryRun(node)).outcomes.map((o) => o.commandId);
  const since = (await dryRun(node, ['--since', new Date(sinceMs).toISOString()])).outcomes;
  expect(all).toHaveLength(2 * outcomeCounts(5).payments);
  expect(since.map((o) => o.commandId).sort()).toEqual(
    all.filter((id) => id.startsWith('after-')).sort(),
  );
});
