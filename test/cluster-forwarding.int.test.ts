/**
 * Forwarding in a three-node cluster on a real Kafka broker: once a node knows which peer owns a
 * partition (the peer that accepted a Command of it), a Command of that partition submitted to
 * the node reaches the owner in one exchange, and the owner's final result comes back on that
 * same exchange: no second peer tried, no follow-up lookup. Counted by the node's
 * `coordinator_peer_requests_total` metric.
 */
import { partitionOf } from '@coordinator/core';
import { StreamClient } from '@coordinator/transport';
import { expect, it } from 'vitest';
import { clusterFixture } from './support/cluster-fixture.js';
import { ownedBy } from './support/cluster-nodes.js';
import { waitFor } from './support/wait-for.js';

const partitions = 6;

const fixture = clusterFixture();

/** The node's peer requests by operation, from its `/metrics`. */
async function peerRequests(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const [, op, value] of text.matchAll(
    /^coordinator_peer_requests_total\{op="(\w+)"\} (\d+)$/gm,
  )) {
    counts[op as string] = Number(value);
  }
  return counts;
}

it('forwards a Command to the known owner in one exchange, its result on the same one', async () => {
  const cluster = await fixture.start({ size: 3, partitions });
  const entry = cluster.node(0);
  if (!entry) throw new Error('node-0 is not running');
  const local = new Set(await ownedBy(entry));
  // The example routes orders by SKU: SKUs for every partition, several each.
  const skus = Array.from({ length: 200 }, (_, i) => `SKU-${i}`);
  const byPartition = Array.from({ length: partitions }, (_, p) =>
    skus.filter((sku) => partitionOf(sku, partitions) === p).slice(0, 4),
  );
  const remote = byPartition.flatMap((list, p) => (local.has(p) ? [] : [list]));
  expect(remote.length).toBeGreaterThanOrEqual(2);

  const client = new StreamClient(entry.stream);
  const run = (sku: string, round: string) =>
    client.submit({
      type: 'order',
      id: `${round}-${sku}`,
      payload: { sku, qty: 1, amount: 5 },
    }).result;
  try {
    // One forward per remote partition teaches node-0 its owner (retried while owners still
    // replay their partitions after the start).
    await waitFor('a forward to every remote partition', async () => {
      const learnt = await Promise.allSettled(
        remote.map((list) => run(list[0] as string, 'learn')),
      );
      return learnt.every((r) => r.status === 'fulfilled');
    });

    const before = await peerRequests(entry.url);
    const measured = remote.flatMap((list) => list.slice(1));
    const results = await Promise.all(measured.map((sku) => run(sku, 'measure')));
    const after = await peerRequests(entry.url);

    for (const result of results) {
      expect(result).toMatchObject({ state: 'done', result: expect.anything() });
    }
    expect((after.submit ?? 0) - (before.submit ?? 0)).toBe(measured.length);
    expect((after.get ?? 0) - (before.get ?? 0)).toBe(0);
    console.log(
      `cluster: ${measured.length} Commands forwarded by node-0 to ${remote.length} partitions' owners in ${(after.submit ?? 0) - (before.submit ?? 0)} exchanges, ${(after.get ?? 0) - (before.get ?? 0)} lookups`,
    );
  } finally {
    await client.close();
  }
});
