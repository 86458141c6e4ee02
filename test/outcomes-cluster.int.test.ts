/**
 * Outcomes in a cluster (issue 14): on a real Kafka broker, every node keeps every partition's
 * Outcomes, so any node answers `GET /v1/outcomes` for every service, whichever node owns the
 * Commands; a node SIGKILLed and restarted catches up with what ran meanwhile, exactly once.
 */
import { expect, it } from 'vitest';
import { clusterFixture } from './support/cluster-fixture.js';
import type { Cluster } from './support/cluster-nodes.js';
import { type AnyJson, requestJson, submit } from './support/node-process.js';
import { waitFor } from './support/wait-for.js';

const fixture = clusterFixture();
let cluster: Cluster;

async function runOrders(from: number, count: number): Promise<void> {
  const nodes = cluster.live();
  await Promise.all(
    Array.from({ length: count }, async (_, k) => {
      const i = from + k;
      const node = nodes[i % nodes.length];
      if (!node) throw new Error('no live node');
      const order = {
        type: 'order',
        id: `order-${i}`,
        payload: { sku: `S-${i}`, qty: 1, amount: i + 1 },
      };
      // A forward may fail while peers connect: resubmitted by id, as a client would.
      const done = await waitFor(
        `order-${i} done`,
        async () => {
          const { status } = await submit(node.url, order, { wait: 30_000 });
          return status === 200;
        },
        60_000,
        200,
      );
      expect(done).toBe(true);
    }),
  );
}

async function outcomeIds(url: string, service: string): Promise<string[]> {
  const { status, body } = await requestJson(`${url}/v1/outcomes?service=${service}&limit=1000`);
  expect(status, JSON.stringify(body)).toBe(200);
  return (body.items as AnyJson[]).map((item) => item.commandId as string);
}

const ids = (count: number) => Array.from({ length: count }, (_, i) => `order-${i}`).sort();

it('answers for every service on any node, and catches up after a SIGKILL', async () => {
  cluster = await fixture.start({ size: 3, partitions: 6 });
  await runOrders(0, 30);
  for (const node of cluster.live()) {
    for (const service of ['inventory', 'payments', 'shipping']) {
      expect((await outcomeIds(node.url, service)).sort()).toEqual(ids(30));
    }
  }
  await cluster.stopNode(2, 'SIGKILL');
  await runOrders(30, 20);
  const restarted = await cluster.startNode(2);
  expect((await outcomeIds(restarted.url, 'payments')).sort()).toEqual(ids(50));
  const unknown = await requestJson(`${restarted.url}/v1/outcomes?service=billing`);
  expect(unknown.body.error.code).toBe('UNKNOWN_SERVICE');
});
