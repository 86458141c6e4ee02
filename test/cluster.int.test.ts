/**
 * A cluster on a real Kafka broker: three real node processes share one consumer group and a
 * 12-partition events topic. Clients submit round-robin across the nodes, as a load balancer
 * would; a node that does not own a Command's partition forwards it to the owner. One node is
 * SIGKILLed under load: its partitions move, and every Command still ends exactly once.
 */
import { expect, it } from 'vitest';
import { clusterFixture } from './support/cluster-fixture.js';
import { Load } from './support/cluster-load.js';
import { ownedBy, sessionTimeoutMs } from './support/cluster-nodes.js';
import { doneRecords } from './support/cluster-topic.js';
import { getCommand } from './support/node-process.js';
import { waitFor } from './support/wait-for.js';

const total = Number(process.env.COORDINATOR_CLUSTER_COMMANDS ?? 3000);
const partitions = 12;

const fixture = clusterFixture();

it(`runs ${total} Commands exactly once on three nodes, through a SIGKILL of one`, async () => {
  // The first node creates the topic; the others join its group.
  const cluster = await fixture.start({ size: 3, partitions });
  const nodes = cluster;

  // Load: round-robin over the live nodes; a refused or lost submit is resubmitted by id.
  const load = new Load({ targets: () => nodes.live(), clients: 24, total });

  // Kill a node a third of the way in; time until its partitions' Commands resume elsewhere.
  await load.until(total / 3);
  const victim = nodes.node(1);
  if (!victim) throw new Error('node-1 is not running');
  const killedAt = Date.now();
  const lost = await ownedBy(victim);
  await nodes.stopNode(1, 'SIGKILL');
  const survivors = nodes.live();
  const takeover = await waitFor(
    "the victim's partitions to be taken over",
    async () => {
      const owned = (await Promise.all(survivors.map(ownedBy))).flat();
      return lost.every((p) => owned.includes(p)) ? Date.now() : undefined;
    },
    60_000,
    50,
  );
  await load.finished;
  expect(load.acknowledged.size).toBe(total);
  await nodes.drained(180_000);

  // Every acknowledged Command has exactly one done record in the topic (of a live epoch).
  const done = await doneRecords(fixture.kafka.brokers, nodes.topic);
  for (const id of load.acknowledged) expect(done.get(id), `done records of ${id}`).toBe(1);

  // Any node answers GET by id, whichever node owns the Command (it asks its peers).
  const sample = [...load.acknowledged].filter((_, i) => i % 100 === 0);
  for (const node of survivors) {
    for (const id of sample) {
      const { status, body } = await getCommand(node.url, id);
      expect(status, `GET ${id} on ${node.url}`).toBe(200);
      expect(body).toMatchObject({ id, state: 'done' });
    }
  }
  console.log(
    `cluster: ${total} Commands on 3 nodes, ${partitions} partitions; SIGKILL of one: its ${lost.length} partitions taken over in ${takeover - killedAt} ms (session timeout ${sessionTimeoutMs} ms)`,
  );
});
