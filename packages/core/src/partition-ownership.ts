import type { CommandRegistry } from './command-registry.js';
import { CoordinatorError } from './errors.js';
import type { EventLog } from './event-log.js';
import type { CoordinatorEvent } from './events.js';
import { OwnedPartition } from './owned-partition.js';
import type { CommandTypes } from './replay.js';
import type { WaitingCommands } from './waiting-commands.js';

export interface PartitionOwnershipConfig {
  readonly log: EventLog;
  readonly types: CommandTypes;
  readonly registry: CommandRegistry;
  readonly waiting: WaitingCommands;
  readonly emit: (event: CoordinatorEvent) => void;
}

/**
 * The partitions this node owns, as the log assigns and revokes them. Taking one over replays it
 * from its checkpoint and resumes its unfinished Commands after the slow interval; until then its
 * new Commands get `NOT_READY`. Giving one up forgets its Commands without a write.
 */
export class PartitionOwnership {
  readonly #config: PartitionOwnershipConfig;
  readonly #owned = new Map<number, OwnedPartition>();

  constructor(config: PartitionOwnershipConfig) {
    this.#config = config;
  }

  /** Every owned partition (recovering ones included). */
  all(): IterableIterator<OwnedPartition> {
    return this.#owned.values();
  }

  /** The owned partition, or undefined. */
  get(partition: number): OwnedPartition | undefined {
    return this.#owned.get(partition);
  }

  /** @throws CoordinatorError `NOT_OWNER` when this node does not own the partition. */
  require(partition: number): OwnedPartition {
    const owned = this.#owned.get(partition);
    if (!owned) {
      throw new CoordinatorError('NOT_OWNER', `This node does not own partition ${partition}`);
    }
    return owned;
  }

  /** Takes a partition over: replays it and resumes its unfinished Commands. */
  async assign(partition: number): Promise<void> {
    if (this.#owned.has(partition)) return;
    const { log, types, registry, waiting, emit } = this.#config;
    const owned = new OwnedPartition(partition, log);
    this.#owned.set(partition, owned);
    try {
      const { commands, records, checkpoint } = await owned.replay(types, (count, total) =>
        emit({ type: 'recovery.progress', partition, records: count, total }),
      );
      let resumed = 0;
      for (const command of commands.values()) {
        if (command.current.state === 'done') {
          const evicted = registry.retain(command);
          if (evicted) this.#owned.get(evicted.partition)?.tracker.release(evicted.id);
          continue;
        }
        registry.add(command);
        waiting.resumeLater(command.id);
        resumed += 1;
      }
      emit({ type: 'recovery.done', partition, records, resumed, checkpoint });
    } catch (error) {
      if (this.#owned.get(partition) === owned) this.#owned.delete(partition);
      throw error;
    } finally {
      owned.recovering = false;
    }
  }

  /**
   * Gives a partition up without writing: its Commands leave memory, their timers stop, and
   * callers waiting on them get `NOT_OWNER`. A step still running finishes, but its Outcome is not
   * written here; the new owner repeats it (steps are at-least-once).
   */
  revoke(partition: number): void {
    if (!this.#owned.delete(partition)) return;
    const { registry, waiting, emit } = this.#config;
    waiting.forget(registry.dropPartition(partition));
    emit({ type: 'partition.revoked', partition });
  }

  status(): { partition: number; checkpoint: number; end: number }[] {
    return [...this.#owned].map(([partition, { tracker }]) => ({
      partition,
      checkpoint: tracker.checkpoint,
      end: tracker.end,
    }));
  }
}
