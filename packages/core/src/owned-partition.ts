import { CheckpointTracker } from './checkpoint-tracker.js';
import { type CommandState, snapshotOf } from './command-state.js';
import type { EventLog } from './event-log.js';
import type { LogRecord } from './records.js';
import { type CommandTypes, Replayer } from './replay.js';

/**
 * A partition this node owns: its checkpoint tracker, the checkpoint last committed, and the work
 * on its log that is about the partition as a whole (replay, checkpoint commits, carry-forward
 * snapshots). The Driver keeps one per owned partition.
 */
export class OwnedPartition {
  readonly partition: number;
  tracker = new CheckpointTracker(0);
  /** The checkpoint last committed to the log. */
  committed = 0;
  /** Replay is still running: new Commands for it get `NOT_READY`. */
  recovering = true;
  readonly #log: EventLog;

  constructor(partition: number, log: EventLog) {
    this.partition = partition;
    this.#log = log;
  }

  /**
   * Replays the partition from its committed checkpoint and returns every Command the records
   * rebuild (finished ones included), each marked as needed by the tracker.
   */
  async replay(
    types: CommandTypes,
    onProgress: (records: number, total: number) => void,
  ): Promise<{ commands: Map<string, CommandState>; records: number; checkpoint: number }> {
    const checkpoint = await this.#log.loadCheckpoint(this.partition);
    const total = Math.max(0, (await this.#log.head(this.partition)) - checkpoint);
    const tracker = new CheckpointTracker(checkpoint);
    this.tracker = tracker;
    this.committed = checkpoint;
    const replayer = new Replayer(types, this.partition);
    for await (const batch of this.#log.read(this.partition, checkpoint)) {
      for (const logged of batch) {
        replayer.apply(logged);
        tracker.observe(logged.position);
      }
      onProgress(replayer.records, Math.max(total, replayer.records));
    }
    for (const command of replayer.commands.values())
      tracker.need(command.id, command.firstPosition);
    return { commands: replayer.commands, records: replayer.records, checkpoint };
  }

  /** Commits the checkpoint if it advanced; returns the new one, or undefined if unchanged. */
  async commit(): Promise<number | undefined> {
    const checkpoint = this.tracker.checkpoint;
    if (checkpoint <= this.committed) return undefined;
    await this.#log.commitCheckpoint(this.partition, checkpoint);
    this.committed = checkpoint;
    return checkpoint;
  }

  /**
   * When the checkpoint trails the head by more than `limit` records, writes snapshot records for
   * the parked Commands that pin it, so the checkpoint can pass their older records. `parked`
   * answers a Command only if it may be carried now (a running one may be appending: it waits for
   * a later round, so a snapshot never races an append of the same Command).
   */
  async carryForward(
    limit: number,
    parked: (id: string) => CommandState | undefined,
    now: number,
  ): Promise<void> {
    const { tracker } = this;
    if (tracker.end - tracker.checkpoint <= limit) return;
    const records: LogRecord[] = [];
    const commands: CommandState[] = [];
    for (const id of tracker.pinning(tracker.end - limit)) {
      const command = parked(id);
      if (!command) continue;
      commands.push(command);
      records.push({ v: 1, kind: 'snapshot', id, at: now, command: snapshotOf(command) });
    }
    if (records.length === 0) return;
    const positions = await this.#log.append(this.partition, records);
    commands.forEach((command, i) => {
      const position = positions[i] as number;
      command.firstPosition = position;
      command.lastPosition = position;
      tracker.need(command.id, position);
    });
  }
}
