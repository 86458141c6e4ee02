import type { Clock } from './clock.js';
import type { CoordinatorOptions } from './driver-options.js';
import type { CoordinatorEvent } from './events.js';
import type { Random } from './random.js';
import { retryDelay } from './retry-policy.js';
import { RetryScheduler } from './retry-scheduler.js';
import { SuspensionController, type SuspensionState } from './suspension.js';

type Timing = Pick<CoordinatorOptions, 'slowRetryIntervalMs' | 'fastRetryIntervalMs' | 'jitterMs'>;

/**
 * The Commands waiting for a retry (delayed, blocked, or retried without success yet), their
 * retry timers and the node's suspension (DESIGN §3): the first blocked step suspends the node at
 * the slow interval; the first success of a retry while suspended switches the rest to the fast
 * interval; once nothing waits, the node takes new work again.
 */
export class WaitingCommands {
  readonly #waiting = new Set<string>();
  readonly #suspension = new SuspensionController();
  readonly #scheduler: RetryScheduler;
  readonly #timing: Timing;
  readonly #random: Random;
  readonly #emit: (event: CoordinatorEvent) => void;
  readonly #clock: Clock;
  /** While suspended: when it began, and each blocked service with its first block. */
  #suspendedSince: number | undefined;
  readonly #blocked = new Map<string, number>();
  #closed = false;

  constructor(
    clock: Clock,
    random: Random,
    timing: Timing,
    emit: (event: CoordinatorEvent) => void,
    onDue: (id: string) => void,
  ) {
    this.#scheduler = new RetryScheduler(clock, onDue);
    this.#clock = clock;
    this.#random = random;
    this.#timing = timing;
    this.#emit = emit;
  }

  get size(): number {
    return this.#waiting.size;
  }

  get suspension(): SuspensionState {
    return this.#suspension.state;
  }

  get suspended(): boolean {
    return this.#suspension.suspended;
  }

  /** Since when the node is suspended, and which services were found blocked (with when). */
  /** When `id` retries next, if it is scheduled. */
  dueAt(id: string): number | undefined {
    return this.#scheduler.dueAt(id);
  }

  /** A recovered Command resumes after the slow interval, as coordinator-go's did. */
  resumeLater(id: string): void {
    if (!this.#closed) this.#scheduler.schedule(id, this.#delay('slow'));
  }

  /**
   * A Command's delayed or blocked record is durable: it waits from this moment, at the interval
   * the node is on now (the run it ends is over right after).
   */
  waited(id: string, end: 'delayed' | 'blocked', service?: string): void {
    this.#waiting.add(id);
    if (end === 'blocked') {
      const now = this.#clock.now();
      this.#suspendedSince ??= now;
      if (service !== undefined && !this.#blocked.has(service)) this.#blocked.set(service, now);
    }
    if (end === 'blocked' && this.#suspension.state !== 'suspended-slow') {
      this.#suspension.blocked();
      this.#emit({ type: 'node.suspension', state: this.#suspension.state });
    }
    if (!this.#closed) this.#scheduler.schedule(id, this.#delay(this.#suspension.interval));
  }

  /** A Command moved forward: if it was waiting, its retry succeeded. */
  progressed(id: string): void {
    if (!this.#waiting.delete(id)) return;
    if (this.#waiting.size > 0 && this.#suspension.retrySucceeded()) {
      this.#emit({ type: 'node.suspension', state: this.#suspension.state });
      const { fastRetryIntervalMs, jitterMs } = this.#timing;
      this.#scheduler.hurry(fastRetryIntervalMs + jitterMs, () => this.#delay('fast'));
    }
    this.#resumeIfNoneWaits();
  }

  /** Commands that left this node (their partition moved): no more retries here. */
  forget(ids: readonly string[]): void {
    for (const id of ids) {
      this.#scheduler.cancel(id);
      this.#waiting.delete(id);
    }
    this.#resumeIfNoneWaits();
  }

  /** Stops every retry timer, for good (the node closes; waiting Commands resume on the next start). */
  clear(): void {
    this.#closed = true;
    this.#scheduler.clear();
  }

  /** Its retry timer goes (an operator runs it now); it still counts as waiting. */
  unschedule(id: string): void {
    this.#scheduler.cancel(id);
  }

  /** Since when the node is suspended and the services found blocked meanwhile; empty when not. */
  suspendedBy(): { since?: number; blocked: { service: string; since: number }[] } {
    const blocked = [...this.#blocked].map(([service, since]) => ({ service, since }));
    return this.#suspendedSince === undefined
      ? { blocked }
      : { since: this.#suspendedSince, blocked };
  }

  /** The `count` retries due first, earliest first. */
  nextRetries(count: number): { id: string; at: number }[] {
    return this.#scheduler.earliest(count);
  }

  #resumeIfNoneWaits(): void {
    if (this.#suspension.waiting(this.#waiting.size)) {
      this.#suspendedSince = undefined;
      this.#blocked.clear();
      this.#emit({ type: 'node.suspension', state: this.#suspension.state });
    }
  }

  #delay(interval: 'slow' | 'fast'): number {
    const { slowRetryIntervalMs, fastRetryIntervalMs, jitterMs } = this.#timing;
    const intervalMs = interval === 'fast' ? fastRetryIntervalMs : slowRetryIntervalMs;
    return retryDelay({ intervalMs, jitterMs }, this.#random.next());
  }
}
