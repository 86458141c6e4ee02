/**
 * Client load on a cluster, as behind a load balancer: concurrent clients submit order Commands
 * round-robin over the live nodes, each with its own id. A refused (503), lost or timed-out submit
 * is resubmitted by id to the next node, until one acknowledges it (202, or 200 for an id already
 * known); any other answer fails the load.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { NodeProcess } from './node-process.js';
import { waitFor } from './wait-for.js';

export interface LoadOptions {
  /** The nodes to send to now; asked before every attempt. */
  readonly targets: () => readonly NodeProcess[];
  /** Concurrent clients. @default 24 */
  readonly clients?: number;
  /** Commands to submit at most (the load also ends at `stop()`). @default unbounded */
  readonly total?: number;
  /** Paces new Commands to this many a second overall. @default as fast as acknowledged */
  readonly perSecond?: number;
  /** A submit unanswered for this long is given up and resubmitted. @default 5000 */
  readonly requestTimeoutMs?: number;
  /** Command ids are `<prefix><n>`. @default 'c-' */
  readonly prefix?: string;
  /** Command `n`'s order. @default `{ sku: SKU-<n mod 97>, qty: 1, amount: 5 }` */
  readonly payload?: (n: number) => unknown;
}

/** How one attempt ended: an HTTP status and error code, or no answer. */
export interface Attempt {
  readonly node: string;
  readonly sentAt: number;
  readonly ms: number;
  readonly status?: number;
  readonly code?: string;
  readonly failure?: string;
}

function describe(a: Attempt): string {
  return `${a.node} after ${a.ms} ms: ${a.status ?? a.failure}${a.code ? ` ${a.code}` : ''}`;
}

export class Load {
  /** Ids some node acknowledged (durable in the log). */
  readonly acknowledged = new Set<string>();
  /** Every attempt per id, in order. */
  readonly attempts = new Map<string, Attempt[]>();
  /** Resolves when every client stopped; rejects with the first unexpected answer. */
  readonly finished: Promise<void>;
  readonly #options: LoadOptions;
  readonly #started = Date.now();
  readonly #extra = new Set<Promise<void>>();
  #next = 0;
  #turn = 0;
  #stopped = false;
  #error: Error | undefined;

  constructor(options: LoadOptions) {
    this.#options = options;
    const clients = Array.from({ length: options.clients ?? 24 }, () => this.#client());
    this.finished = Promise.all(clients).then(async () => {
      while (this.#extra.size > 0) await Promise.all(this.#extra);
    });
    // Kept as `error` for the waits below; awaiting `finished` still rejects.
    this.finished.catch((error: unknown) => {
      this.#error = error instanceof Error ? error : new Error(String(error));
    });
  }

  /** Starts no new Command; those submitted go on until acknowledged. */
  stop(): void {
    this.#stopped = true;
  }

  get error(): Error | undefined {
    return this.#error;
  }

  /** Waits until at least `count` Commands are acknowledged; fails at once if the load failed. */
  async until(count: number, timeoutMs = 120_000): Promise<void> {
    await waitFor(
      () => `${count} acknowledged Commands (${this.acknowledged.size} so far)`,
      () => {
        if (this.#error) throw this.#error;
        return this.acknowledged.size >= count ? true : undefined;
      },
      timeoutMs,
      25,
    );
  }

  /**
   * Submits `count` new Commands to `node` first, each waiting up to `timeoutMs` for that answer
   * (as clients whose load balancer has not noticed that the node stopped answering); from then
   * on like any other. Resolves with each Command's first attempt once all are acknowledged.
   */
  sendTo(node: NodeProcess, count: number, timeoutMs: number): Promise<Attempt[]> {
    const sent = Array.from({ length: count }, async () => {
      const i = this.#next++;
      const id = `${this.#options.prefix ?? 'c-'}${i}`;
      await this.#submit(id, i, { node, timeoutMs });
      return this.attempts.get(id)?.[0] as Attempt;
    });
    const all = Promise.all(sent);
    const tracked = all.then(() => undefined);
    this.#extra.add(tracked);
    void tracked.then(
      () => this.#extra.delete(tracked),
      () => this.#extra.delete(tracked),
    );
    return all;
  }

  /** Stops, then waits for every submitted Command to be acknowledged. */
  async end(timeoutMs = 120_000): Promise<void> {
    this.stop();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const pending = [...this.attempts]
          .filter(([id]) => !this.acknowledged.has(id))
          .slice(0, 5)
          .map(([id, list]) => `${id}: ${list.slice(-3).map(describe).join('; ')}`);
        reject(
          new Error(
            `Commands still unacknowledged ${timeoutMs} ms after the load stopped; latest attempts: ${pending.join(' | ')}`,
          ),
        );
      }, timeoutMs);
    });
    try {
      await Promise.race([this.finished, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resubmits by error code (503s), and attempts without an answer. */
  summary(): string {
    const counts = new Map<string, number>();
    for (const list of this.attempts.values()) {
      for (const a of list) {
        if (a.status === 202 || a.status === 200) continue;
        const key = a.code ?? (a.failure === 'TimeoutError' ? 'timed out' : 'no answer');
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    const resubmits = [...counts].map(([key, n]) => `${key} ${n}`).join(', ') || 'none';
    return `${this.acknowledged.size} acknowledged; resubmits after ${resubmits}`;
  }

  async #client(): Promise<void> {
    const { total = Number.POSITIVE_INFINITY, perSecond, prefix = 'c-' } = this.#options;
    for (;;) {
      if (this.#stopped || this.#next >= total) return;
      const i = this.#next++;
      if (perSecond) {
        const due = this.#started + (i * 1000) / perSecond;
        if (due > Date.now()) await sleep(due - Date.now());
        if (this.#stopped) return;
      }
      await this.#submit(`${prefix}${i}`, i);
    }
  }

  async #submit(
    id: string,
    i: number,
    first?: { node: NodeProcess; timeoutMs: number },
  ): Promise<void> {
    const body = JSON.stringify({
      type: 'order',
      id,
      payload: this.#options.payload?.(i) ?? { sku: `SKU-${i % 97}`, qty: 1, amount: 5 },
    });
    const attempts: Attempt[] = [];
    this.attempts.set(id, attempts);
    let pinned = first;
    for (;;) {
      const live = this.#options.targets();
      const node = pinned?.node ?? live[this.#turn++ % Math.max(live.length, 1)];
      const timeoutMs = pinned?.timeoutMs ?? this.#options.requestTimeoutMs ?? 5000;
      pinned = undefined;
      if (!node) {
        await sleep(50);
        continue;
      }
      const sentAt = Date.now();
      let attempt: Attempt;
      let answer: { error?: { code?: string } } | undefined;
      try {
        const response = await fetch(`${node.url}/v1/commands`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        answer = (await response.json()) as { error?: { code?: string } };
        const code = answer.error?.code;
        attempt = {
          node: node.url,
          sentAt,
          ms: Date.now() - sentAt,
          status: response.status,
          ...(code ? { code } : {}),
        };
      } catch (error) {
        attempt = {
          node: node.url,
          sentAt,
          ms: Date.now() - sentAt,
          failure: (error as Error).name,
        };
      }
      attempts.push(attempt);
      if (attempt.status === 202 || attempt.status === 200) {
        this.acknowledged.add(id);
        return;
      }
      if (attempt.status !== undefined && attempt.status !== 503) {
        throw new Error(`${id}: ${describe(attempt)} ${JSON.stringify(answer)}`);
      }
      await sleep(50);
    }
  }
}
