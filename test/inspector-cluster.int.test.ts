/**
 * The inspector page on a two-node cluster (Kafka log): the Node view shows each peer and the
 * partitions it owns, and one node's page shows a Command another node owns.
 */
import { expect, it } from 'vitest';
import { browserFixture } from './support/browser.js';
import { clusterFixture } from './support/cluster-fixture.js';
import { ownedBy } from './support/cluster-nodes.js';
import { getCommand, submit } from './support/node-process.js';
import { waitFor } from './support/wait-for.js';

const fixture = clusterFixture();

const browser = browserFixture();

it("shows each peer's partitions, and a Command the other node owns", async () => {
  const cluster = await fixture.start({ size: 2, partitions: 6 });
  const [a, b] = [cluster.node(0), cluster.node(1)];
  if (!a || !b) throw new Error('the cluster has no two nodes');
  const onB = await ownedBy(b);
  expect(onB.length).toBeGreaterThan(0);

  // Orders spread over partitions by SKU: submit through node-0 until one lands on node-1.
  let theirs: string | undefined;
  for (let i = 0; i < 40 && theirs === undefined; i++) {
    const id = `order-${i}`;
    // Right after a rebalance a node may refuse for a moment (NOT_READY): resubmit by id.
    await waitFor(`${id} done`, async () => {
      const { body } = await submit(
        a.url,
        { type: 'order', id, payload: { sku: `SKU-${i}`, qty: 1, amount: 5 } },
        { wait: 10_000 },
      );
      return body.state === 'done';
    });
    const { body: details } = await getCommand(a.url, id);
    if (onB.includes(details.partition as number)) theirs = id;
  }
  if (theirs === undefined) throw new Error(`no order landed on node-1's partitions ${onB}`);

  const page = await browser.open(a.url, '#/node');
  const peer = page.locator('[data-panel="peers"] tr[data-peer]');
  await peer.waitFor();
  const partitionsOf = async (row: typeof peer) =>
    (await row.locator('[data-partitions]').textContent())?.split(', ').map(Number);
  expect(await peer.locator('td').first().textContent()).toBe('node-1');
  expect(await partitionsOf(peer)).toEqual([...onB].sort((x, y) => x - y));
  const self = page.locator('[data-panel="peers"] tr[data-self]');
  expect(await partitionsOf(self)).toEqual([...(await ownedBy(a))].sort((x, y) => x - y));
  await browser.docShot(page, 'inspector-cluster', { fullPage: true });

  const other = await browser.open(a.url, `#/commands/${theirs}`);
  await other.locator('.head-badges [data-badge="done"]').waitFor();
  await other.locator('.chart.path [data-state="executing.completed"].visited').waitFor();
});
