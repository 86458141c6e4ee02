/**
 * A cluster of real node processes on one Kafka broker: one consumer group and one events topic
 * (random names per cluster), the example's order saga, `--internal`/`--peers` for forwarding.
 * Nodes keep their slot (node id, internal port, data directory) across restarts, so a restart
 * starts the same node with the same arguments.
 */
import { randomUUID } from 'node:crypto';
import { type OrderServiceSet, serviceEnv } from '../../examples/order-saga/services.js';
import { freePort } from './free-port.js';
import { type NodeProcess, startNode, tempDir } from './node-process.js';
import { waitFor } from './wait-for.js';

/** The Kafka log's default session timeout (kafka-log-options.ts); the node does not change it. */
export const sessionTimeoutMs = 6000;

/** What `/readyz` shows of a node in a cluster. */
interface NodeStatus {
  readonly ready?: boolean;
  readonly node?: string;
  readonly owned?: number[];
  readonly inFlight?: number;
}

/** The node's `/readyz` detail; empty when it does not answer within `timeoutMs`. */
async function status(node: NodeProcess, timeoutMs = 2000): Promise<NodeStatus> {
  try {
    const response = await fetch(`${node.url}/readyz`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.json()) as { detail?: NodeStatus };
    return { ...body.detail, ready: response.status === 200 };
  } catch {
    return {};
  }
}

/** The partitions a node owns now (replayed up to its CLAIM). */
export async function ownedBy(node: NodeProcess): Promise<number[]> {
  return (await status(node)).owned ?? [];
}

/** Unfinished Commands on a node, or -1 when it does not answer. */
async function inFlightOn(node: NodeProcess): Promise<number> {
  return (await status(node)).inFlight ?? -1;
}

/** One JSON log line of a node, with the fields the cluster tests look at. */
export interface LogLine {
  readonly time?: number;
  readonly msg?: string;
  readonly type?: string;
  readonly partition?: number;
  readonly reason?: string;
  readonly offset?: number;
  readonly epoch?: number;
  readonly claim?: number;
  readonly [field: string]: unknown;
}

/** A node's log lines of one event type, optionally only those logged from `since` (ms) on. */
export function logged(node: NodeProcess, type: string, since = 0): LogLine[] {
  return (node.logs as LogLine[]).filter((l) => l.type === type && (l.time ?? 0) >= since);
}

/**
 * A line's pino level. The Kafka client's own lines carry their level as a word (`warn`,
 * `error`) in a field that takes the place of pino's number.
 */
export function severity(line: LogLine): number {
  const { level } = line;
  if (typeof level === 'number') return level;
  return level === 'error' ? 50 : level === 'warn' ? 40 : 30;
}

export interface ClusterOptions {
  readonly brokers: string;
  readonly services: OrderServiceSet;
  /** @default 3 */
  readonly size?: number;
  /** @default 12 */
  readonly partitions?: number;
  /** @default a random `cluster-<uuid>` */
  readonly topic?: string;
  /** @default a random `group-<uuid>` */
  readonly group?: string;
}

interface Slot {
  readonly id: string;
  readonly internal: number;
  readonly dataDir: string;
  node: NodeProcess | undefined;
  paused: boolean;
}

export class Cluster {
  readonly topic: string;
  readonly group: string;
  readonly partitions: number;
  /** Every process started, restarts included, in start order (their logs stay readable). */
  readonly processes: { readonly slot: number; readonly node: NodeProcess }[] = [];
  readonly #options: ClusterOptions;
  readonly #slots: Slot[];

  private constructor(options: ClusterOptions, slots: Slot[]) {
    this.#options = options;
    this.#slots = slots;
    this.topic = options.topic ?? `cluster-${randomUUID()}`;
    this.group = options.group ?? `group-${randomUUID()}`;
    this.partitions = options.partitions ?? 12;
  }

  /**
   * Starts `size` nodes (the first alone, as it creates the topic; the others together) and waits
   * until every partition is owned exactly once. On failure, the nodes started are killed.
   */
  static async start(options: ClusterOptions): Promise<Cluster> {
    const size = options.size ?? 3;
    const slots: Slot[] = [];
    for (let i = 0; i < size; i++) {
      slots.push({
        id: `node-${i}`,
        internal: await freePort(),
        dataDir: await tempDir(),
        node: undefined,
        paused: false,
      });
    }
    const cluster = new Cluster(options, slots);
    try {
      await cluster.startNode(0);
      await Promise.all(slots.slice(1).map((_, i) => cluster.startNode(i + 1)));
      await cluster.settled();
    } catch (error) {
      await cluster.close();
      throw error;
    }
    return cluster;
  }

  get size(): number {
    return this.#slots.length;
  }

  /** The running process of a slot, paused or not. */
  node(slot: number): NodeProcess | undefined {
    return this.#slot(slot).node;
  }

  /** The nodes a load balancer would send to: running and not paused. */
  live(): NodeProcess[] {
    return this.#slots.flatMap((s) => (s.node && !s.paused ? [s.node] : []));
  }

  /** Starts the slot's node with the same arguments as every time before; resolves once ready. */
  async startNode(slot: number): Promise<NodeProcess> {
    const s = this.#slot(slot);
    if (s.node) throw new Error(`${s.id} is running already`);
    const peers = this.#slots.filter((o) => o !== s).map((o) => `127.0.0.1:${o.internal}`);
    const node = await startNode({
      dataDir: s.dataDir,
      env: {
        ...serviceEnv(this.#options.services),
        COORDINATOR_KAFKA_BROKERS: this.#options.brokers,
        COORDINATOR_LOG_LEVEL: 'info',
        SERVICE_TIMEOUT_MS: '2000',
        BREAKER_FAILURES: '100000',
      },
      args: [
        '--node-id',
        s.id,
        '--partitions',
        String(this.partitions),
        '--kafka-topic',
        this.topic,
        '--kafka-group',
        this.group,
        '--internal',
        `127.0.0.1:${s.internal}`,
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
    s.node = node;
    s.paused = false;
    this.processes.push({ slot, node });
    return node;
  }

  /**
   * Takes the slot's node out of the live set at once (as a load balancer would), sends `signal`
   * and resolves with its exit code (or signal) once it is gone.
   */
  async stopNode(slot: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string> {
    const s = this.#slot(slot);
    const node = s.node;
    if (!node) throw new Error(`${s.id} is not running`);
    s.node = undefined;
    if (s.paused) node.child.kill('SIGCONT');
    s.paused = false;
    return node.kill(signal);
  }

  /** SIGSTOPs the slot's node: it keeps its sockets but answers nothing, heartbeats included. */
  pause(slot: number): NodeProcess {
    const s = this.#slot(slot);
    if (!s.node || s.paused) throw new Error(`${s.id} is not running or paused already`);
    s.paused = true;
    s.node.child.kill('SIGSTOP');
    return s.node;
  }

  /** SIGCONTs a paused node; it is live again. */
  resume(slot: number): NodeProcess {
    const s = this.#slot(slot);
    if (!s.node || !s.paused) throw new Error(`${s.id} is not paused`);
    s.node.child.kill('SIGCONT');
    s.paused = false;
    return s.node;
  }

  /** The partitions each slot's node owns now, per `/readyz` ([] for a stopped or paused one). */
  async ownership(): Promise<number[][]> {
    return Promise.all(this.#slots.map((s) => (s.node && !s.paused ? ownedBy(s.node) : [])));
  }

  /**
   * Waits until the live nodes own every partition exactly once, each at least its even share
   * (the sticky assignment balances counts to within one). Resolves with the ownership.
   */
  async settled(timeoutMs = 90_000): Promise<number[][]> {
    let last: number[][] = [];
    return waitFor(
      () => `every partition to be owned exactly once; last seen ${JSON.stringify(last)}`,
      async () => {
        last = await this.ownership();
        const live = this.#slots.filter((s) => s.node && !s.paused).length;
        const all = last.flat();
        const share = Math.floor(this.partitions / Math.max(live, 1));
        const balanced = last.every((owned, i) => {
          const s = this.#slots[i] as Slot;
          return !s.node || s.paused || owned.length >= share;
        });
        return all.length === this.partitions && new Set(all).size === this.partitions && balanced
          ? last
          : undefined;
      },
      timeoutMs,
      100,
    );
  }

  /** Waits until no live node has an unfinished Command. */
  async drained(timeoutMs = 120_000): Promise<void> {
    let last: number[] = [];
    await waitFor(
      () => `every Command to finish; in flight per node: ${JSON.stringify(last)}`,
      async () => {
        last = await Promise.all(this.live().map(inFlightOn));
        return last.every((n) => n === 0) ? true : undefined;
      },
      timeoutMs,
      250,
    );
  }

  /**
   * What each process logged at warn level and above (the last `lines` each) and on stderr: to
   * print when a test fails.
   */
  report(lines = 15): string {
    return this.processes
      .map(({ slot, node }, i) => {
        const notable = (node.logs as LogLine[])
          .filter((l) => severity(l) >= 40)
          .slice(-lines)
          .map((l) => `    ${JSON.stringify(l)}`);
        const stderr = node.stderr.join('').trim();
        return [
          `  process ${i} (node-${slot}, ${node.url}):`,
          ...notable,
          ...(stderr ? [`    stderr: ${stderr.slice(-2000)}`] : []),
        ].join('\n');
      })
      .join('\n');
  }

  /** Kills every node (a paused one is continued first, so that it can die). */
  async close(): Promise<void> {
    await Promise.all(
      this.#slots.map(async (s) => {
        const node = s.node;
        s.node = undefined;
        if (!node) return;
        if (s.paused) node.child.kill('SIGCONT');
        s.paused = false;
        await node.kill('SIGKILL');
      }),
    );
  }

  #slot(slot: number): Slot {
    const s = this.#slots[slot];
    if (!s) throw new Error(`No slot ${slot} in a cluster of ${this.#slots.length}`);
    return s;
  }
}
