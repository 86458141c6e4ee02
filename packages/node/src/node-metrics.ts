import type { DriverStatus } from '@coordinator/core';
import type { Registry } from 'prom-client';

type Counts = Map<string, { labels: Record<string, string>; value: number }>;

function count(counts: Counts, labels: Record<string, string>): void {
  const key = Object.values(labels).join('\u0000');
  const entry = counts.get(key);
  if (entry) entry.value += 1;
  else counts.set(key, { labels, value: 1 });
}

/**
 * The node's Prometheus metrics. Counting is a map increment; prom-client (and its process
 * metrics) is loaded at the first scrape, so a node that is never scraped does not pay for it at
 * start-up. The counters then read what was counted since the start.
 */
export class NodeMetrics {
  readonly #transitions: Counts = new Map();
  readonly #done: Counts = new Map();
  readonly #peerRequests: Counts = new Map();
  readonly #status: () => DriverStatus | undefined;
  #registry: Promise<Registry> | undefined;

  constructor(status: () => DriverStatus | undefined) {
    this.#status = status;
  }

  transition(type: string, record: string): void {
    count(this.#transitions, { type, record });
  }

  done(type: string, outcome: 'result' | 'error'): void {
    count(this.#done, { type, outcome });
  }

  /** A request sent to a peer (a forwarded Command, a lookup, …): one stream exchange. */
  peerRequest(op: string): void {
    count(this.#peerRequests, { op });
  }

  /** The Prometheus text exposition of every metric. */
  async text(): Promise<string> {
    this.#registry ??= this.#build();
    return (await this.#registry).metrics();
  }

  async #build(): Promise<Registry> {
    const { Counter, collectDefaultMetrics, Gauge, Registry } = await import('prom-client');
    const registry = new Registry();
    const registers = [registry];
    collectDefaultMetrics({ register: registry, prefix: 'coordinator_process_' });
    const counter = (name: string, help: string, counts: Counts, labelNames: string[]) =>
      new Counter({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          for (const { labels, value } of counts.values()) this.inc(labels, value);
        },
      });
    counter(
      'coordinator_transitions_total',
      'Command transitions by type and record kind',
      this.#transitions,
      ['type', 'record'],
    );
    counter(
      'coordinator_commands_done_total',
      'Finished Commands by type and outcome (result or error)',
      this.#done,
      ['type', 'outcome'],
    );
    counter(
      'coordinator_peer_requests_total',
      'Requests this node sent to its peers (one stream exchange each), by operation',
      this.#peerRequests,
      ['op'],
    );
    const gauge = (name: string, help: string, read: (s: DriverStatus | undefined) => number) => {
      const status = this.#status;
      return new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read(status()));
        },
      });
    };
    gauge(
      'coordinator_commands_in_flight',
      'Unfinished Commands on this node',
      (s) => s?.inFlight ?? 0,
    );
    gauge(
      'coordinator_commands_waiting',
      'Delayed or blocked Commands, and retries without success yet',
      (s) => s?.waiting ?? 0,
    );
    gauge('coordinator_suspended', '1 while the node is suspended (a service is blocked)', (s) =>
      s?.suspension === 'accepting' || s === undefined ? 0 : 1,
    );
    return registry;
  }
}
