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
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { availableParallelism } from 'node:os';
import { createHistogram, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { defineSaga } from '@coordinator/core';
import { createNode, defineConfig } from '@coordinator/node';
import { StreamClient } from '@coordinator/transport';
import { pino } from 'pino';
import { type KafkaBroker, startKafka } from '../test/support/kafka-broker.js';

const quick = process.env.BENCH_QUICK === '1';
const measureSeconds = quick ? 5 : 20;
const warmupSeconds = quick ? 1 : 3;
const partitions = 12;
const concurrency = 64;
const noop = async () => ({ ok: true });

const order = defineSaga<{ key: string }, unknown>({
  type: 'order',
  routingKey: (payload) => payload.key,
  steps: [
    { name: 'reserve', service: 'inventory', run: noop, compensate: noop },
    { name: 'charge', service: 'payments', run: noop, compensate: noop },
    { name: 'ship', service: 'shipping', run: noop },
  ],
});

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
  readonly child: ChildProcess;
  readonly pid: number;
  readonly stream: Address;
  readonly http: Address;
  readonly exited: Promise<void>;
}

const self = fileURLToPath(import.meta.url);

async function startNodeChild(spec: NodeSpec): Promise<NodeChild> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@coordinator/source', self, 'node', JSON.stringify(spec)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
  });
  const ready = await new Promise<{ stream: Address; http: Address }>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => fail(new Error('not ready within 60 s')), 60_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`node ${spec.nodeId}: ${error.message}\n${stderr}`));
    };
    child.once('exit', (code, signal) => fail(new Error(`exited (${code ?? signal})`)));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      const line = buffer.split('\n').find((l) => l.startsWith('{"ready"'));
      if (!line) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { ready: { stream: Address; http: Address } }).ready);
    });
  });
  // Past readiness, a warning on stderr is worth seeing; not the revocations of the first node
  // as the others join, which every 3-node start has.
  let partial = '';
  child.stderr?.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.includes('"type":"partition.revoked"'))
        process.stderr.write(`[${spec.nodeId}] ${line}\n`);
    }
  });
  return { child, pid: child.pid as number, ...ready, exited };
}

async function stopNodeChild(node: NodeChild): Promise<void> {
  node.child.kill('SIGTERM');
  const timer = setTimeout(() => node.child.kill('SIGKILL'), 15_000);
  await node.exited;
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

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Distinct free ports on 127.0.0.1, held open together so none is handed out twice. */
async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    }
    return servers.map((s) => (s.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

const ticksPerSecond = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start with the state, field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** CPU seconds the whole machine has spent busy so far, over all cores, from /proc/stat. */
function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [, ...ticks] = line.trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is counted in user already)
  const busy = ticks.slice(0, 8).reduce((sum, t, i) => (i === 3 || i === 4 ? sum : sum + t), 0);
  return busy / ticksPerSecond;
}

function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
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
    await waitUntil(`all ${partitions} partitions owned by ${nodeCount} node(s)`, async () => {
      const sets = await Promise.all(nodes.map(owned));
      const all = new Set(sets.flat());
      return all.size === partitions && sets.every((s) => s.length > 0);
    });
    for (const node of nodes) {
      const client = new StreamClient({ ...node.stream, maxFrameBytes: 1 << 20 });
      await client.connect();
      clients.push(client);
    }
    await drive(clients, workers, warmupSeconds * 1000);

    const cpu0 = {
      broker: cpuSeconds(broker.pid),
      nodes: nodes.map((n) => cpuSeconds(n.pid)),
      client: ownCpuSeconds(),
      machine: machineBusySeconds(),
    };
    const ownedBefore = await Promise.all(nodes.map(owned));
    const run = await drive(clients, workers, measureSeconds * 1000);
    const brokerSeconds = cpuSeconds(broker.pid) - cpu0.broker;
    const perNode = nodes.map((n, i) => cpuSeconds(n.pid) - (cpu0.nodes[i] ?? 0));
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
