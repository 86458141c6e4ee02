/**
 * `pnpm bench kafka`: the order-saga shape (3 no-op steps, services in-process) on the Kafka log
 * against one local broker (`scripts/kafka.sh`: KRaft, broker and controller in one JVM), with 1
 * node and with 3 nodes, and the same node on the file log for the same workload. Each node is a
 * child process (this file, run with `node <spec>`); Kafka nodes have their own internal address
 * with the others as peers, all in one consumer group on a fresh 12-partition topic; the Command
 * type has a routing key, so the load spreads over partitions. Stream-protocol clients in this
 * process submit round-robin over the nodes (a node forwards a Command whose partition it does
 * not own to its owner) and wait for each result.
 *
 * The machine is shared (other work runs on it), so every case runs in several rounds, the Kafka
 * and file-log cases alternating, and the medians are printed: completed Commands/s, end-to-end
 * p50/p99, and the CPU time the nodes and the broker used per Command in the measured window
 * (from /proc/<pid>/stat). Then the Kafka/file ratio at c=1 and c=128, and the failover time after
 * a SIGKILL (2 nodes: until the survivor runs a Command of every partition the victim owned)
 * against the session timeout + 2 s. Writes bench/results/kafka.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHistogram, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { partitionOf } from '@coordinator/core';
import { createNode, defineConfig } from '@coordinator/node';
import { StreamClient } from '@coordinator/transport';
import { pino } from 'pino';
import { machineBusySeconds, ownCpuSeconds, processCpuSeconds } from '../test/support/cpu-usage.js';
import { freePorts } from '../test/support/free-port.js';
import { type KafkaBroker, startKafka } from '../test/support/kafka-broker.js';
import { defineNoOpOrderSaga } from '../test/support/no-op-order-saga.js';
import { type SpawnedProcess, spawnTypeScript } from '../test/support/spawn-process.js';
import { waitFor } from '../test/support/wait-for.js';
import { median } from './median.js';

const quick = process.env.BENCH_QUICK === '1';
const measureSeconds = quick ? 4 : 10;
const warmupSeconds = quick ? 1 : 3;
const rounds = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 3));
const partitions = 12;
/** The Kafka log's default session timeout (kafka-log-options.ts). */
const sessionTimeoutMs = 6000;
const order = defineNoOpOrderSaga<{ key: string }>((payload) => payload.key);

/** What a node child process is told, as JSON in argv. */
type NodeSpec =
  | {
      readonly nodeId: string;
      readonly brokers: string;
      readonly topic: string;
      readonly groupId: string;
      readonly internalPort: number;
      readonly peerPorts: readonly number[];
    }
  | { readonly nodeId: string; readonly dataDir: string };

interface Address {
  readonly host: string;
  readonly port: number;
}

/** The child process side: one coordinator node on Kafka until SIGTERM. */
async function runNode(spec: NodeSpec): Promise<void> {
  const log =
    'dataDir' in spec
      ? { dataDir: spec.dataDir }
      : {
          kafkaBrokers: spec.brokers,
          kafkaTopic: spec.topic,
          kafkaGroupId: spec.groupId,
          internalAddress: `127.0.0.1:${spec.internalPort}`,
          peers: spec.peerPorts.map((p) => `127.0.0.1:${p}`).join(','),
        };
  const node = createNode({
    config: defineConfig({ commands: [order], receiver: () => ({}) }),
    overrides: [
      {
        values: {
          nodeId: spec.nodeId,
          ...log,
          partitions,
          streamAddress: '127.0.0.1:0',
          httpAddress: '127.0.0.1:0',
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
  readonly log: 'kafka' | 'file';
  readonly nodes: number;
  readonly concurrency: number;
  readonly round: number;
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
    readonly perNodeSeconds: readonly number[];
    /** All nodes' CPU time per completed Command. */
    readonly nodeMsPerCommand: number;
    /** The broker's CPU time per completed Command. */
    readonly brokerMsPerCommand: number;
    /** The machine's busy CPU time (every process) over what its cores could give. */
    readonly machineBusy: number;
    /** CPU time of everything else on the machine (other work, the kernel) in the window. */
    readonly otherSeconds: number;
  };
}

interface CaseSpec {
  readonly log: 'kafka' | 'file';
  readonly nodes: number;
  readonly concurrency: number;
}

const label = (c: CaseSpec) =>
  `${c.log === 'kafka' ? 'kafka' : 'file '} ${c.nodes} node${c.nodes > 1 ? 's' : ' '} c${c.concurrency}`;

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

/** Starts the case's nodes; resolves once every partition is owned. */
async function startNodes(broker: KafkaBroker, c: CaseSpec, dataDir: string): Promise<NodeChild[]> {
  if (c.log === 'file') return [await startNodeChild({ nodeId: 'bench-file-node', dataDir })];
  const stamp = `${Date.now().toString(36)}-${c.nodes}-${c.concurrency}`;
  const ports = await freePorts(c.nodes);
  const spec = (i: number): NodeSpec => ({
    nodeId: `bench-node-${i}`,
    brokers: broker.brokers,
    topic: `bench-${stamp}`,
    groupId: `bench-group-${stamp}`,
    internalPort: ports[i] as number,
    peerPorts: ports.filter((_, j) => j !== i),
  });
  const nodes: NodeChild[] = [];
  try {
    // The first node creates the topic; the others join its group.
    nodes.push(await startNodeChild(spec(0)));
    const others = Array.from({ length: c.nodes - 1 }, (_, i) => spec(i + 1));
    nodes.push(...(await Promise.all(others.map(startNodeChild))));
    await waitFor(
      `all ${partitions} partitions owned by ${c.nodes} node(s)`,
      async () => {
        const sets = await Promise.all(nodes.map(owned));
        const all = new Set(sets.flat());
        return all.size === partitions && sets.every((s) => s.length > 0);
      },
      60_000,
      100,
    );
    return nodes;
  } catch (error) {
    await Promise.allSettled(nodes.map(stopNodeChild));
    throw error;
  }
}

async function connect(nodes: readonly NodeChild[]): Promise<StreamClient[]> {
  const clients: StreamClient[] = [];
  for (const node of nodes) {
    const client = new StreamClient({ ...node.stream, maxFrameBytes: 1 << 20 });
    await client.connect();
    clients.push(client);
  }
  return clients;
}

async function runCase(broker: KafkaBroker, c: CaseSpec, round: number): Promise<CaseResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-kafka-file-'));
  const nodes = await startNodes(broker, c, dataDir);
  const clients: StreamClient[] = [];
  try {
    clients.push(...(await connect(nodes)));
    await drive(clients, c.concurrency, warmupSeconds * 1000);

    const cpu0 = {
      broker: processCpuSeconds(broker.pid),
      nodes: nodes.map((n) => processCpuSeconds(n.process.pid)),
      client: ownCpuSeconds(),
      machine: machineBusySeconds(),
    };
    const ownedBefore = await Promise.all(nodes.map(owned));
    const run = await drive(clients, c.concurrency, measureSeconds * 1000);
    const brokerSeconds = processCpuSeconds(broker.pid) - cpu0.broker;
    const perNode = nodes.map((n, i) => processCpuSeconds(n.process.pid) - (cpu0.nodes[i] ?? 0));
    const nodesSeconds = perNode.reduce((sum, x) => sum + x, 0);
    const clientSeconds = ownCpuSeconds() - cpu0.client;
    const machineSeconds = machineBusySeconds() - cpu0.machine;
    const ownedAfter = await Promise.all(nodes.map(owned));
    const stable = JSON.stringify(ownedBefore) === JSON.stringify(ownedAfter);
    if (!stable) {
      console.warn(
        `${label(c)}: partitions moved while measuring: ${JSON.stringify(ownedBefore)} -> ${JSON.stringify(ownedAfter)}`,
      );
    }
    if (run.errors > 0)
      console.warn(`${label(c)}: ${run.errors} failed Commands; last: ${run.lastError}`);
    const perCommandMs = (seconds: number) => (seconds * 1000) / Math.max(1, run.completed);
    const result: CaseResult = {
      case: label(c),
      ...c,
      round,
      seconds: roundTo(run.seconds),
      completed: run.completed,
      errors: run.errors,
      commandsPerSecond: Math.round(run.completed / run.seconds),
      p50Ms: run.histogram.percentile(50) / 1000,
      p99Ms: run.histogram.percentile(99) / 1000,
      partitionsPerNode: ownedAfter.map((o) => o.length),
      ownershipStable: stable,
      cpu: {
        brokerSeconds: roundTo(brokerSeconds),
        perNodeSeconds: perNode.map((x) => roundTo(x)),
        nodeMsPerCommand: roundTo(perCommandMs(nodesSeconds), 3),
        brokerMsPerCommand: roundTo(perCommandMs(brokerSeconds), 3),
        machineBusy: roundTo(machineSeconds / (run.seconds * availableParallelism()), 3),
        otherSeconds: roundTo(
          Math.max(0, machineSeconds - brokerSeconds - nodesSeconds - clientSeconds),
        ),
      },
    };
    console.log(
      `round ${round} ${result.case}: ${result.commandsPerSecond}/s, p50 ${result.p50Ms.toFixed(2)} ms, node CPU ${result.cpu.nodeMsPerCommand.toFixed(2)} ms/Command, broker ${result.cpu.brokerMsPerCommand.toFixed(2)} ms/Command, other work ${result.cpu.otherSeconds.toFixed(1)} CPU s`,
    );
    return result;
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()));
    await Promise.allSettled(nodes.map(stopNodeChild));
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * Two Kafka nodes; one is SIGKILLed. Resolves with the time from the kill until the survivor has
 * run a Command of every partition the victim owned (submitted to it, retried until it takes).
 */
async function failover(broker: KafkaBroker): Promise<{ ms: number; lost: number }> {
  const nodes = await startNodes(broker, { log: 'kafka', nodes: 2, concurrency: 1 }, '');
  const [survivor, victim] = nodes as [NodeChild, NodeChild];
  const [client] = await connect([survivor]);
  try {
    await drive([client as StreamClient], 8, warmupSeconds * 1000);
    const lost = await owned(victim);
    const keys = lost.map((p) => {
      for (let i = 0; ; i++)
        if (partitionOf(`failover-${i}`, partitions) === p) return `failover-${i}`;
    });
    const killedAt = performance.now();
    await victim.process.kill('SIGKILL');
    await Promise.all(
      keys.map((key) =>
        waitFor(
          `a Command of ${key}'s partition to run on the survivor`,
          async () => {
            const call = (client as StreamClient).submit({ type: 'order', payload: { key } });
            const result = await call.result.catch(() => undefined);
            return result?.state === 'done' ? true : undefined;
          },
          60_000,
          50,
        ),
      ),
    );
    return { ms: Math.round(performance.now() - killedAt), lost: lost.length };
  } finally {
    await client?.close();
    await Promise.allSettled(nodes.map(stopNodeChild));
  }
}

function roundTo(value: number, digits = 2): number {
  return Number(value.toFixed(digits));
}

function pad(value: string | number, width: number): string {
  return typeof value === 'number' ? String(value).padStart(width) : value.padEnd(width);
}

const cases: readonly CaseSpec[] = [
  { log: 'kafka', nodes: 1, concurrency: 1 },
  { log: 'file', nodes: 1, concurrency: 1 },
  { log: 'kafka', nodes: 1, concurrency: 128 },
  { log: 'file', nodes: 1, concurrency: 128 },
  { log: 'kafka', nodes: 3, concurrency: 64 },
];

/** The medians over the rounds of one case. */
function medians(results: readonly CaseResult[]) {
  const of = (read: (r: CaseResult) => number) => median(results.map(read));
  return {
    commandsPerSecond: of((r) => r.commandsPerSecond),
    p50Ms: of((r) => r.p50Ms),
    p99Ms: of((r) => r.p99Ms),
    nodeMsPerCommand: of((r) => r.cpu.nodeMsPerCommand),
    brokerMsPerCommand: of((r) => r.cpu.brokerMsPerCommand),
    otherSeconds: of((r) => r.cpu.otherSeconds),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
  };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const broker = await startKafka();
  const rows: CaseResult[] = [];
  let fail: { ms: number; lost: number } | undefined;
  try {
    console.log(
      `broker ${broker.brokers} (pid ${broker.pid}) ready in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${rounds} round(s) of ${cases.length} cases, Kafka and file log alternating`,
    );
    for (let round = 1; round <= rounds; round++) {
      for (const c of cases) rows.push(await runCase(broker, c, round));
    }
    fail = await failover(broker);
  } finally {
    await broker.stop();
  }

  const cores = availableParallelism();
  console.log(
    `\nkafka: order saga (3 no-op steps, in-process services), ${partitions} partitions, routing key per Command, one local broker (KRaft, 1 JVM); stream clients round-robin over the nodes; ${measureSeconds} s per case after ${warmupSeconds} s warm-up; medians of ${rounds} round(s); ${cores} cores shared by everything, other work included`,
  );
  const header = [
    'case                ',
    'Commands/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'node CPU ms/Cmd',
    'broker CPU ms/Cmd',
    'other CPU s',
  ];
  console.log(header.join(' | '));
  const summary = cases.map((c) => ({
    ...c,
    case: label(c),
    ...medians(rows.filter((r) => r.case === label(c))),
  }));
  for (const r of summary) {
    const cells = [
      r.case,
      r.commandsPerSecond,
      r.p50Ms.toFixed(2),
      r.p99Ms.toFixed(1),
      r.errors,
      r.nodeMsPerCommand.toFixed(3),
      r.log === 'file' ? '-' : r.brokerMsPerCommand.toFixed(3),
      r.otherSeconds.toFixed(1),
    ];
    console.log(cells.map((cell, i) => pad(cell, header[i]?.length ?? 0)).join(' | '));
  }
  const find = (log: 'kafka' | 'file', concurrency: number) =>
    summary.find((r) => r.log === log && r.nodes === 1 && r.concurrency === concurrency);
  const ratios = [1, 128].map((concurrency) => {
    const kafka = find('kafka', concurrency)?.commandsPerSecond ?? 0;
    const file = find('file', concurrency)?.commandsPerSecond ?? 0;
    return { concurrency, kafka, file, ratio: file > 0 ? roundTo(kafka / file, 3) : 0 };
  });
  for (const r of ratios) {
    console.log(
      `1 node c${r.concurrency}: Kafka ${r.kafka}/s against the file log's ${r.file}/s in the same run: ${(r.ratio * 100).toFixed(0)} %`,
    );
  }
  if (fail) {
    const bound = sessionTimeoutMs + 2000;
    console.log(
      `failover after SIGKILL (2 nodes): ${fail.lost} partitions running on the survivor ${fail.ms} ms after the kill; session timeout + 2 s = ${bound} ms: ${fail.ms <= bound ? 'within' : 'OVER'}`,
    );
  }
  console.log(`total bench time ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  await mkdir(new URL('./results/', import.meta.url), { recursive: true });
  await writeFile(
    new URL('./results/kafka.json', import.meta.url),
    `${JSON.stringify({ date: new Date().toISOString(), quick, cores, partitions, measureSeconds, warmupSeconds, rounds, summary, ratios, failover: fail, sessionTimeoutMs, cases: rows }, null, 2)}\n`,
  );
}

if (process.argv[2] === 'node') await runNode(JSON.parse(process.argv[3] as string) as NodeSpec);
else await main();
