/**
 * Outcome replay on a Kafka cluster of three node processes: orders of the example saga (some
 * compensated: see `replayOrder`) submitted round-robin over the nodes; one node is SIGKILLed
 * before the replay; payments and inventory lose all their data, and `coordinator replay` through
 * a surviving node, which answers for every partition, rebuilds each to exactly the state it had.
 * Replaying again changes nothing; a replay SIGKILLed half-way and started again finishes with the
 * same state. 5,000 orders, as on the file log (about 90 s here on a loaded 2-core box);
 * COORDINATOR_CLUSTER_REPLAY_ORDERS sets another count.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { serviceEnv } from '../examples/order-saga/services.js';
import { clusterFixture } from './support/cluster-fixture.js';
import { Load } from './support/cluster-load.js';
import { tempDir } from './support/node-process.js';
import {
  keysIn,
  outcomeCounts,
  rebuildAt,
  replayCli,
  replayOrder,
  replayThroughKill,
  stateOf,
  wipe,
} from './support/outcome-replay.js';

const total = Number(process.env.COORDINATOR_CLUSTER_REPLAY_ORDERS ?? 5000);

const fixture = clusterFixture();

it(`rebuilds payments and inventory from ${total} orders on three nodes, one of them killed`, async () => {
  const nodes = await fixture.start({ size: 3, partitions: 12 });
  const load = new Load({
    targets: () => nodes.live(),
    clients: 32,
    total,
    prefix: 'replay-',
    payload: replayOrder,
  });
  try {
    await load.finished;
    await nodes.drained();
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${load.summary()}\n${nodes.report()}`);
  }
  const { services } = fixture;
  const { payments, inventory } = services;
  const before = { payments: await stateOf(payments), inventory: await stateOf(inventory) };
  const counts = outcomeCounts(total);
  expect(keysIn(before.payments)).toBe(counts.payments);
  expect(keysIn(before.inventory)).toBe(counts.inventory);

  // One node dies; the others take over its partitions.
  await nodes.stopNode(2, 'SIGKILL');
  await nodes.settled();
  const survivor = nodes.live()[0];
  if (!survivor) throw new Error('no node left');
  const env = serviceEnv(services);
  const dir = await tempDir('coordinator-replay-');
  const cursor = (name: string) => ['--cursor-file', join(dir, `${name}.json`)];
  const replay = (service: string, args: readonly string[]) =>
    replayCli(survivor.url, service, args, env);

  await Promise.all([wipe(payments), wipe(inventory)]);
  const [paid, held] = await Promise.all([
    replay('payments', [...rebuildAt(payments), ...cursor('payments')]),
    replay('inventory', [...rebuildAt(inventory), ...cursor('inventory')]),
  ]);
  expect(paid).toMatchObject({ sent: counts.payments, skipped: 0, failed: 0, complete: true });
  expect(held).toMatchObject({ sent: counts.inventory, skipped: 0, failed: 0, complete: true });
  expect(await stateOf(payments)).toBe(before.payments);
  expect(await stateOf(inventory)).toBe(before.inventory);

  // From the start again, through the other survivor: every Outcome is known, nothing changes.
  const other = nodes.live()[1];
  if (!other) throw new Error('one survivor only');
  const again = await replayCli(
    other.url,
    'inventory',
    [...rebuildAt(inventory), ...cursor('inventory'), '--from-start'],
    env,
  );
  expect(again).toMatchObject({ sent: 0, skipped: counts.inventory, failed: 0 });
  expect(await stateOf(inventory)).toBe(before.inventory);

  // A replay SIGKILLed half-way and started again.
  const killedFile = join(dir, 'killed.json');
  await replayThroughKill(survivor.url, payments, counts.payments, killedFile, env);
  expect(await stateOf(payments)).toBe(before.payments);
  console.log(
    `cluster replay: ${total} orders on 3 nodes (one killed); ${counts.payments} payments and ${counts.inventory} inventory Outcomes rebuilt; ${load.summary()}`,
  );
});
