/**
 * `pnpm bench kafka`: the order-saga shape (3 no-op steps, services in-process) on the Kafka log
 * against one local broker (`scripts/kafka.sh`: KRaft, broker and controller in one JVM), with 1
 * node and with 3 nodes. Each node is a child process (this file, run with `node <spec>`) on its
 * own internal address with the others as peers, all in one consumer group on a fresh
 * 12-partition topic; the Command type has a routing key, so the load spreads over partitions.
 * Stream-protocol clients in this process submit round-robin over the nodes (a node forwards a
 * Command whose partition it does not own to its owner) and wait for each result.
 *
 * Prints completed Commands/s and end-to-end p50/p99 per case, and the CPU time each process used
 * in the measured window (from /proc/<pid>/stat and process.cpuUsage()): the broker's share of it
 * shows how much of the shared cores the broker takes. Writes bench/results/kafka.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { createHistogram, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createNode, defineConfig } from '@coordinator/node';
import { StreamClient } from '@coordinator/transport';
import { pino } from 'pino';
import { machineBusySeconds, ownCpuSeconds, processCpuSeconds } from '../test/support/cpu-usage.js';
import { freePorts } from '../test/support/free-port.js';
import { type KafkaBroker, startKafka } from '../test/support/kafka-broker.js';
import { defineNoOpOrderSaga } from '../test/support/no-op-order-saga.js';
import { type SpawnedProcess, spawnTypeScript } from '../test/support/spawn-process.js';
import { waitFor } from '../test/support/wait-for.js';

const quick = process.env.BENCH_QUICK === '1';
const measureSeconds = quick ? 5 : 20;
const warmupSeconds = quick ? 1 : 3;
const partitions = 12;
const concurrency = 64;
const order = defineNoOpOrderSaga<{ key: string }>((payload) => payload.key);

/** What a node child process is told, as JSON in argv. */
interface NodeSpec {
  readonly nodeId: string;
  readonly brokers: string;
  readonly topic: string;
  readonly groupId: string;
  readonly internalPort: number;
  readonly peerPorts: readonly number[];
}

interface Address {
  readonly host: string;
  readonly port: number;
}

/** The child process side: one coordinator node on Kafka until SIGTERM. */
async function runNode(spec: NodeSpec): Promise<void> {
  const node = createNode({
    config: defineConfig({ commands: [order], receiver: () => ({}) }),
    overrides: [
      {
        values: {
          nodeId: spec.nodeId,
          kafkaBrokers: spec.brokers,
          kafkaTopic: spec.topic,
          kafkaGroupId: spec.groupId,
          partitions,
          streamAddress: '127.0.0.1:0',
          httpAddress: '127.0.0.1:0',
          internalAddress: `127.0.0.1:${spec.internalPort}`,
          peers: spec.peerPorts.map((p) => `127.0.0.1:${p}`).join(','),
          maxCmds: 100_000,
        },
      },
    ],
    logger: pino({ level: 'warn' }, process.stderr),
  });
  process.once('SIGTERM', () => {
    void node.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  const { stream, http } = await node.start();
  process.stdout.write(`${JSON.stringify({ ready: { stream, http } })}\n`);
}

interface NodeChild {
  readonly process: SpawnedProcess;
  readonly stream: Address;
  readonly http: Address;
}

const self = fileURLToPath(import.meta.url);

async function startNodeChild(spec: NodeSpec): Promise<NodeChild> {
  let ready = false;
  const node = spawnTypeScript(self, ['node', JSON.stringify(spec)], {
    // Past readiness, a warning on stderr is worth seeing; not the revocations of the first node
    // as the others join, which every 3-node start has.
    onStderrLine: (line) => {
      if (ready && !line.includes('"type":"partition.revoked"'))
        process.stderr.write(`[${spec.nodeId}] ${line}\n`);
    },
  });
  try {
    const line = await node.waitForLine((l) => l.startsWith('{"ready"'), 60_000);
    ready = true;
    const addresses = (JSON.parse(line) as { ready: { stream: Address; http: Address } }).ready;
    return { process: node, ...addresses };
  } catch (error) {
    await node.kill('SIGKILL');
    throw new Error(`node ${spec.nodeId}: ${(error as Error).message}`, { cause: error });
  }
}

async function stopNodeChild(node: NodeChild): Promise<void> {
  const timer = setTimeout(() => node.process.child.kill('SIGKILL'), 15_000);
  await node.process.kill('SIGTERM');
  clearTimeout(timer);
}

/** The partitions a node owns now, from its `/readyz`. */
async function owned(node: NodeChild): Promise<number[]> {
  const response = await fetch(`http://${node.http.host}:${node.http.port}/readyz`).catch(
    () => undefined,
  );
  if (!response) return [];
  const body = (await response.json()) as { detail?: { owned?: number[] } };
  return body.detail?.owned ?? [];
}

interface CaseResult {
  readonly case: string;
  readonly nodes: number;
  readonly concurrency: number;
  readonly seconds: number;
  readonly completed: number;
  readonly errors: number;
  readonly commandsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Partitions each node owned at the end of the measured window. */
  readonly partitionsPerNode: readonly number[];
  /** No partition moved while measuring. */
  readonly ownershipStable: boolean;
  readonly cpu: {
    readonly brokerSeconds: number;
    readonly nodesSeconds: number;
    readonly perNodeSeconds: readonly number[];
    readonly clientSeconds: number;
    /** The broker's part of all CPU time the bench's processes used. */
    readonly brokerShare: number;
    /** Broker cores busy on average. */
    readonly brokerCores: number;
    /** The machine's busy CPU time (every process) over what its cores could give. */
    readonly machineBusy: number;
    /** CPU time of everything else on the machine (the kernel, other work) in the window. */
    readonly otherSeconds: number;
  };
}

/**
 * Submits `order` Commands round-robin over the nodes from `workers` concurrent loops for `ms`,
 * each waiting for its Command's result; counts and times those that completed.
 */
async function drive(clients: readonly StreamClient[], workers: number, ms: number) {
  const histogram = createHistogram();
  let turn = 0;
  let n = 0;
  let completed = 0;
  let errors = 0;
  let lastError = '';
  const started = performance.now();
  const until = started + ms;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < until) {
        const client = clients[turn++ % clients.length] as StreamClient;
        const t0 = performance.now();
        try {
          const result = await client.submit({ type: 'order', payload: { key: `order-${n++}` } })
            .result;
          if (result.state !== 'done' || result.error) {
            throw new Error(`not done: ${JSON.stringify(result)}`);
          }
          histogram.record(Math.max(1, Math.round((performance.now() - t0) * 1000)));
          completed += 1;
        } catch (error) {
          errors += 1;
          lastError = error instanceof Error ? error.message : String(error);
          if (errors > 1000) throw new Error(`too many failed Commands; last: ${lastError}`);
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { seconds, completed, errors, lastError, histogram };
}

async function runCase(
  broker: KafkaBroker,
  nodeCount: number,
  workers: number,
  label: string,
): Promise<CaseResult> {
  const stamp = `${Date.now().toString(36)}-${nodeCount}-${workers}`;
  const topic = `bench-${stamp}`;
  const groupId = `bench-group-${stamp}`;
  const ports = await freePorts(nodeCount);
  const spec = (i: number): NodeSpec => ({
    nodeId: `bench-node-${i}`,
    brokers: broker.brokers,
    topic,
    groupId,
    internalPort: ports[i] as number,
    peerPorts: ports.filter((_, j) => j !== i),
  });
  const nodes: NodeChild[] = [];
  const clients: StreamClient[] = [];
  try {
    // The first node creates the topic; the others join its group.
    nodes.push(await startNodeChild(spec(0)));
    nodes.push(
      ...(await Promise.all(
        Array.from({ length: nodeCount - 1 }, (_, i) => spec(i + 1)).map(startNodeChild),
      )),
    );
    await waitFor(
      `all ${partitions} partitions owned by ${nodeCount} node(s)`,
      async () => {
        const sets = await Promise.all(nodes.map(owned));
        const all = new Set(sets.flat());
        return all.size === partitions && sets.every((s) => s.length > 0);
      },
      60_000,
      100,
    );
    for (const node of nodes) {
      const client = new StreamClient({ ...node.stream, maxFrameBytes: 1 << 20 });
      await client.connect();
      clients.push(client);
    }
    await drive(clients, workers, warmupSeconds * 1000);

    const cpu0 = {
      broker: processCpuSeconds(broker.pid),
      nodes: nodes.map((n) => processCpuSeconds(n.process.pid)),
      client: ownCpuSeconds(),
      machine: machineBusySeconds(),
    };
    const ownedBefore = await Promise.all(nodes.map(owned));
    const run = await drive(clients, workers, measureSeconds * 1000);
    const brokerSeconds = processCpuSeconds(broker.pid) - cpu0.broker;
    const perNode = nodes.map((n, i) => processCpuSeconds(n.process.pid) - (cpu0.nodes[i] ?? 0));
    const nodesSeconds = perNode.reduce((sum, s) => sum + s, 0);
    const clientSeconds = ownCpuSeconds() - cpu0.client;
    const machineSeconds = machineBusySeconds() - cpu0.machine;
    const ownedAfter = await Promise.all(nodes.map(owned));
    const stable = JSON.stringify(ownedBefore) === JSON.stringify(ownedAfter);
    if (!stable) {
      console.warn(
        `${label}: partitions moved while measuring: ${JSON.stringify(ownedBefore)} -> ${JSON.stringify(ownedAfter)}`,
      );
    }
    const total = brokerSeconds + nodesSeconds + clientSeconds;
    if (run.errors > 0)
      console.warn(`${label}: ${run.errors} failed Commands; last: ${run.lastError}`);
    return {
      case: label,
      nodes: nodeCount,
      concurrency: workers,
      seconds: round(run.seconds),
      completed: run.completed,
      errors: run.errors,
      commandsPerSecond: Math.round(run.completed / run.seconds),
      p50Ms: run.histogram.percentile(50) / 1000,
      p99Ms: run.histogram.percentile(99) / 1000,
      partitionsPerNode: ownedAfter.map((o) => o.length),
      ownershipStable: stable,
      cpu: {
        brokerSeconds: round(brokerSeconds),
        nodesSeconds: round(nodesSeconds),
        perNodeSeconds: perNode.map((x) => round(x)),
        clientSeconds: round(clientSeconds),
        brokerShare: round(brokerSeconds / total, 3),
        brokerCores: round(brokerSeconds / run.seconds, 3),
        machineBusy: round(machineSeconds / (run.seconds * availableParallelism()), 3),
        otherSeconds: round(Math.max(0, machineSeconds - total)),
      },
    };
  } finally {
    await Promise.allSettled(clients.map((c) => c.close()));
    await Promise.allSettled(nodes.map(stopNodeChild));
  }
}

function round(value: number, digits = 2): number {
  return Number(value.toFixed(digits));
}

function pad(value: string | number, width: number): string {
  return typeof value === 'number' ? String(value).padStart(width) : value.padEnd(width);
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const broker = await startKafka();
  const rows: CaseResult[] = [];
  try {
    console.log(
      `broker ${broker.brokers} (pid ${broker.pid}) ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    rows.push(await runCase(broker, 1, 1, '1 node, c1'));
    rows.push(await runCase(broker, 1, concurrency, `1 node, c${concurrency}`));
    rows.push(await runCase(broker, 3, concurrency, `3 nodes, c${concurrency}`));
  } finally {
    await broker.stop();
  }

  const cores = availableParallelism();
  console.log(
    `\nkafka: order saga (3 no-op steps, in-process services), ${partitions} partitions, routing key per Command, one local broker (KRaft, 1 JVM); stream clients round-robin over the nodes; ${measureSeconds} s per case after ${warmupSeconds} s warm-up; ${cores} cores shared by everything`,
  );
  const header = [
    'case           ',
    'partitions',
    'Commands/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'CPU s broker',
    'CPU s nodes',
    'CPU s client',
    'CPU s other',
    'broker share',
    'broker cores',
    'machine busy',
  ];
  console.log(header.join(' | '));
  for (const r of rows) {
    const c = r.cpu;
    const cells = [
      r.case,
      r.partitionsPerNode.join('/'),
      r.commandsPerSecond,
      r.p50Ms.toFixed(1),
      r.p99Ms.toFixed(1),
      r.errors,
      c.brokerSeconds.toFixed(1),
      c.perNodeSeconds.map((x) => x.toFixed(1)).join('+'),
      c.clientSeconds.toFixed(1),
      c.otherSeconds.toFixed(1),
      `${(c.brokerShare * 100).toFixed(0)} %`,
      c.brokerCores.toFixed(2),
      `${(c.machineBusy * 100).toFixed(0)} %`,
    ];
    console.log(cells.map((cell, i) => pad(cell, header[i]?.length ?? 0)).join(' | '));
  }
  const disturbed = rows.filter((r) => r.cpu.otherSeconds > 0.25 * r.seconds * cores);
  if (disturbed.length > 0) {
    console.log(
      `note: other work took over a quarter of the machine during ${disturbed.map((r) => r.case).join(', ')} (CPU s other): those figures are low`,
    );
  }
  console.log(`total bench time ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  await mkdir(new URL('./results/', import.meta.url), { recursive: true });
  await writeFile(
    new URL('./results/kafka.json', import.meta.url),
    `${JSON.stringify({ date: new Date().toISOString(), quick, cores, partitions, measureSeconds, warmupSeconds, cases: rows }, null, 2)}\n`,
  );
}

if (process.argv[2] === 'node') await runNode(JSON.parse(process.argv[3] as string) as NodeSpec);
else await main();
