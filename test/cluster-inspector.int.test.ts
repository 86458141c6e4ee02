/**
 * The inspector's API in a two-node cluster on a real Kafka broker: either node shows any
 * Command, lists the Commands of both, acts on a Command its peer owns (the action is forwarded
 * to the owner and recorded in its log), and shows which node owns which partitions.
 */
import { expect, it } from 'vitest';
import { clusterFixture } from './support/cluster-fixture.js';
import { ownedBy } from './support/cluster-nodes.js';
import { act, getCommand, requestJson, submit } from './support/node-process.js';
import { waitFor } from './support/wait-for.js';

const fixture = clusterFixture();

it('shows, lists and acts on any Command from either node, and who owns what', async () => {
  const cluster = await fixture.start({ size: 2, partitions: 4 });
  const [first, second] = [cluster.node(0), cluster.node(1)];
  if (!first || !second) throw new Error('the cluster did not start two nodes');
  fixture.services.payments.mode = 'down';
  const ids = Array.from({ length: 8 }, (_, i) => `ci-${i}`);
  for (const [i, id] of ids.entries()) {
    const answer = await submit(first.url, {
      type: 'order',
      id,
      payload: { sku: `SKU-${i}`, qty: 1, amount: 5 },
    });
    expect(answer.status).toBe(202);
  }
  // Every Command, whichever node owns it, as the second node shows it.
  const views = await waitFor('all delayed', async () => {
    const all = await Promise.all(ids.map((id) => getCommand(second.url, id)));
    return all.every((v) => v.body.state === 'delayed') ? all.map((v) => v.body) : undefined;
  });
  const firstOwns = await ownedBy(first);
  const remote = views.filter((v) => firstOwns.includes(v.partition as number));
  expect(remote.length).toBeGreaterThanOrEqual(2);
  const [toCancel, toRetry] = remote as [(typeof views)[0], (typeof views)[0]];

  // Acted on at the second node, carried out by the first (the owner).
  expect(await act(second.url, toCancel.id, 'cancel')).toMatchObject({
    status: 200,
    body: { id: toCancel.id, cancelled: true },
  });
  fixture.services.payments.mode = 'ok';
  expect((await act(second.url, toRetry.id, 'retry')).status).toBe(200);
  await waitFor('all done', async () => {
    const all = await Promise.all(ids.map((id) => getCommand(second.url, id)));
    return all.every((v) => v.body.state === 'done');
  });
  expect((await getCommand(first.url, toCancel.id)).body).toMatchObject({
    cancelled: true,
    error: { code: 'CANCELLED' },
  });
  expect((await getCommand(first.url, toRetry.id)).body.events).toContainEqual(
    expect.objectContaining({ kind: 'retried', by: 'operator' }),
  );

  // Either node lists the Commands of both.
  for (const node of [first, second]) {
    const page = (await requestJson(`${node.url}/v1/commands?idPrefix=ci-&limit=100`)).body;
    expect(page.commands.map((c: { id: string }) => c.id).sort()).toEqual(ids);
  }

  // Who owns what: the node's own partitions and its peer's, together all of them once.
  const inspected = (await requestJson(`${second.url}/v1/node`)).body;
  expect(inspected.nodeId).toBe('node-1');
  expect(inspected.peers).toEqual([
    expect.objectContaining({ reachable: true, nodeId: 'node-0', partitions: expect.any(Array) }),
  ]);
  const owners = [inspected, ...inspected.peers].flatMap(
    (n: { partitions: { partition: number }[] }) => n.partitions.map((p) => p.partition),
  );
  expect(owners.sort()).toEqual([0, 1, 2, 3]);
});
