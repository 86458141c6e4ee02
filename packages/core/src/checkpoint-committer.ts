import type { Clock, TimerHandle } from './clock.js';
import type { CommandState } from './command-state.js';
import { toErrorData } from './errors.js';
import type { CoordinatorEvent } from './events.js';
import type { OwnedPartition } from './owned-partition.js';

export interface CheckpointCommitterConfig {
  readonly clock: Clock;
  readonly intervalMs: number;
  /** Past this many records between checkpoint and head, parked Commands are carried forward. */
  readonly snapshotAfterRecords: number;
  readonly partitions: () => Iterable<OwnedPartition>;
  /** A Command that may be carried forward now: unfinished and not running. */
  readonly parked: (id: string) => CommandState | undefined;
  readonly emit: (event: CoordinatorEvent) => void;
}

/**
 * Commits every owned partition's advanced checkpoint, at most once per `intervalMs` after a
 * record was applied; first it carries parked Commands that hold a checkpoint back forward in
 * snapshot records, which bounds what recovery replays.
 */
export class CheckpointCommitter {
  readonly #config: CheckpointCommitterConfig;
  #timer: TimerHandle | undefined;
  #committing: Promise<void> | undefined;
  #closed = false;

  constructor(config: CheckpointCommitterConfig) {
    this.#config = config;
  }

  /** A record was applied: a commit follows within the interval. */
  arm(): void {
    if (this.#timer !== undefined || this.#closed) return;
    const { clock, intervalMs } = this.#config;
    this.#timer = clock.setTimer(() => {
      this.#timer = undefined;
      this.#committing = this.#commitAll(true).finally(() => {
        this.#committing = undefined;
      });
    }, intervalMs);
  }

  /** The commit in progress, if any. */
  get committing(): Promise<void> | undefined {
    return this.#committing;
  }

  /** No more timed commits (the node is closing). */
  stop(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.#config.clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }

  /** Waits for a commit in progress, then commits what advanced since (without carrying forward). */
  async flush(): Promise<void> {
    await this.#committing;
    await this.#commitAll(false);
  }

  async #commitAll(carry: boolean): Promise<void> {
    const { clock, snapshotAfterRecords, parked, emit } = this.#config;
    for (const state of this.#config.partitions()) {
      const { partition } = state;
      try {
        if (carry) await state.carryForward(snapshotAfterRecords, parked, clock.now());
        const position = await state.commit();
        if (position !== undefined) emit({ type: 'checkpoint.committed', partition, position });
      } catch (error) {
        emit({ type: 'checkpoint.failed', partition, error: toErrorData(error, 'LOG_CORRUPT') });
      }
    }
  }
}
