/**
 * A cluster on a real Kafka broker: three real node processes share one consumer group and a
 * 12-partition events topic. Clients submit round-robin across the nodes, as a load balancer
 * would; a node that does not own a Command's partition forwards it to the owner. One node is
 * SIGKILLed under load: its partitions move, and every Command still ends exactly once.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { decodeEnvelope } from '@coordinator/node';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type OrderServiceSet,
  serviceEnv,
  startServices,
} from '../examples/order-saga/services.js';
import { type KafkaUnderTest, useKafka } from './support/kafka-brokers.js';
import { type NodeProcess, startNode, submit, tempDir, waitFor } from './support/node-process.js';

const total = Number(process.env.COORDINATOR_CLUSTER_COMMANDS ?? 3000);
const partitions = 12;
const sessionTimeoutMs = 6000;

let kafka: KafkaUnderTest;
let services: OrderServiceSet;
const nodes: (NodeProcess | undefined)[] = [];

beforeAll(async () => {
  kafka = await useKafka();
  services = await startServices({ anyPort: true });
});

afterAll(async () => {
  await Promise.all(nodes.map((n) => n?.kill('SIGKILL')));
  await Promise.all(Object.values(services ?? {}).map((s) => s.close()));
  await kafka?.release();
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it(`runs ${total} Commands exactly once on three nodes, through a SIGKILL of one`, async () => {
  const topic = `cluster-${randomUUID()}`;
  const group = `group-${randomUUID()}`;
  const internal = await Promise.all([0, 1, 2].map(() => freePort()));
  const start = async (i: number) => {
    const peers = internal.filter((_, j) => j !== i).map((p) => `127.0.0.1:${p}`);
    const node = await startNode({
      dataDir: await tempDir(),
      env: {
        ...serviceEnv(services),
        COORDINATOR_KAFKA_BROKERS: kafka.brokers,
        COORDINATOR_LOG_LEVEL: 'info',
        SERVICE_TIMEOUT_MS: '2000',
        BREAKER_FAILURES: '100000',
      },
      args: [
        '--node-id',
        `node-${i}`,
        '--partitions',
        String(partitions),
        '--kafka-topic',
        topic,
        '--kafka-group',
        group,
        '--internal',
        `127.0.0.1:${internal[i]}`,
        '--peers',
        peers.join(','),
        '--slow-retry-interval',
        '500',
        '--jitter',
        '100',
        '--max-cmds',
        '100000',
      ],
      readyTimeoutMs: 60_000,
    });
    nodes[i] = node;
    return node;
  };
  // The first node creates the topic; the others join its group.
  await start(0);
  await Promise.all([start(1), start(2)]);
  await waitFor(
    'all 12 partitions to be owned',
    async () => {
      const owned = await Promise.all(nodes.map((n) => (n ? ownedBy(n) : [])));
      return owned.flat().length === partitions ? owned : undefined;
    },
    60_000,
    200,
  );

  // Load: round-robin over the live nodes; a refused or lost submit is resubmitted by id.
  const acknowledged = new Set<string>();
  let next = 0;
  let turn = 0;
  const client = async () => {
    for (let i = next++; i < total; i = next++) {
      const id = `c-${i}`;
      for (;;) {
        const live = nodes.filter((n): n is NodeProcess => n !== undefined);
        const node = live[turn++ % live.length] as NodeProcess;
        const answer = await submit(node.url, {
          type: 'order',
          id,
          payload: { sku: `SKU-${i % 97}`, qty: 1, amount: 5 },
        }).catch(() => undefined);
        if (answer && (answer.status === 202 || answer.status === 200)) {
          acknowledged.add(id);
          break;
        }
        if (answer && answer.status !== 503)
          throw new Error(`${id}: ${JSON.stringify(answer.body)}`);
        await sleep(50);
      }
    }
  };
  const load = Promise.all(Array.from({ length: 24 }, client));

  // Kill a node a third of the way in; time until its partitions' Commands resume elsewhere.
  await waitFor(
    'a third of the load',
    () => (acknowledged.size >= total / 3 ? true : undefined),
    120_000,
    50,
  );
  const victim = nodes[1] as NodeProcess;
  const killedAt = Date.now();
  const lost = await ownedBy(victim);
  nodes[1] = undefined;
  await victim.kill('SIGKILL');
  const survivors = nodes.filter((n): n is NodeProcess => n !== undefined);
  const takeover = await waitFor(
    "the victim's partitions to be taken over",
    async () => {
      const owned = (await Promise.all(survivors.map(ownedBy))).flat();
      return lost.every((p) => owned.includes(p)) ? Date.now() : undefined;
    },
    60_000,
    50,
  );
  await load;
  expect(acknowledged.size).toBe(total);
  await waitFor(
    'every Command to finish',
    async () => {
      const inFlight = await Promise.all(survivors.map(inFlightOn));
      return inFlight.every((n) => n === 0) ? true : undefined;
    },
    180_000,
    500,
  );

  // Every acknowledged Command has exactly one done record in the topic (of a live epoch).
  const done = await doneRecords(kafka.brokers, topic);
  for (const id of acknowledged) expect(done.get(id), `done records of ${id}`).toBe(1);
  console.log(
    `cluster: ${total} Commands on 3 nodes, ${partitions} partitions; SIGKILL of one: its ${lost.length} partitions taken over in ${takeover - killedAt} ms (session timeout ${sessionTimeoutMs} ms)`,
  );
});

async function status(node: NodeProcess): Promise<{ owned?: number[]; inFlight?: number }> {
  const response = await fetch(`${node.url}/readyz`).catch(() => undefined);
  if (!response) return {};
  const body = (await response.json()) as { detail?: { owned?: number[]; inFlight?: number } };
  return body.detail ?? {};
}

async function ownedBy(node: NodeProcess): Promise<number[]> {
  return (await status(node)).owned ?? [];
}

async function inFlightOn(node: NodeProcess): Promise<number> {
  return (await status(node)).inFlight ?? -1;
}

/** Reads the whole topic with a throwaway group and counts done records per Command. */
async function doneRecords(brokers: string, topic: string): Promise<Map<string, number>> {
  const client = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = client.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(ends.map((e) => [e.partition, Number(e.high)]));
  const consumer = client.consumer({ groupId: `verify-${randomUUID()}` });
  const counts = new Map<string, number>();
  const epochs = new Map<number, number>();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let finished: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const check = () => {
    if ([...remaining.values()].every((high) => high <= 0)) finished();
  };
  check();
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const offset = Number(message.offset);
      const envelope = decodeEnvelope(message.value, `${topic}/${partition}@${offset}`) as {
        kind?: string;
        epoch?: number;
        record?: { kind: string; id: string };
      };
      if (envelope.kind === 'claim') epochs.set(partition, offset);
      else if (
        envelope.record?.kind === 'done' &&
        (envelope.epoch ?? 0) >= (epochs.get(partition) ?? 0)
      ) {
        counts.set(envelope.record.id, (counts.get(envelope.record.id) ?? 0) + 1);
      }
      if (offset + 1 >= (remaining.get(partition) ?? 0)) remaining.set(partition, 0);
      check();
    },
  });
  await Promise.race([all, sleep(60_000)]);
  await consumer.disconnect();
  return counts;
}
