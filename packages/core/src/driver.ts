import { CheckpointCommitter } from './checkpoint-committer.js';
import type { Clock } from './clock.js';
import { CommandExecutor } from './command-executor.js';
import { CommandIntake, type Submission, type SubmitResult } from './command-intake.js';
import { type CommandPage, CommandRegistry } from './command-registry.js';
import { applyRecord, type CommandState } from './command-state.js';
import { type CommandType, typesByName } from './command-type.js';
import { type CommandFilter, type CommandView, commandView } from './command-view.js';
import { type CoordinatorOptions, driverOptions } from './driver-options.js';
import type { DriverStatus } from './driver-status.js';
import { CoordinatorError } from './errors.js';
import type { EventLog } from './event-log.js';
import type { CoordinatorEvent } from './events.js';
import { OperatorActions } from './operator-actions.js';
import { PartitionOwnership } from './partition-ownership.js';
import type { IdSource, Random } from './random.js';
import type { LogRecord } from './records.js';
import { transitionEvent } from './transition-event.js';
import { WaitingCommands } from './waiting-commands.js';

export interface DriverConfig<Rcv> {
  readonly log: EventLog;
  readonly clock: Clock;
  readonly random: Random;
  readonly ids: IdSource;
  readonly types: readonly CommandType<Rcv>[];
  /** The service gateway Command bodies call services through. */
  readonly receiver: Rcv;
  readonly options?: Partial<CoordinatorOptions>;
  readonly onEvent?: (event: CoordinatorEvent) => void;
}

/**
 * Runs Commands against the ports: admission, execution, retries, suspension, completion and
 * checkpoints, on the partitions the log says this node owns. The node runs this same code on the
 * file log or Kafka; tests run it on the in-memory fakes and a simulated clock. `Rcv` only ties
 * the Command types to the Receiver they are given.
 *
 * @example
 * const driver = new Driver({ log, clock, random, ids, types: [orderSaga], receiver });
 * await driver.start();
 * const { id } = await driver.submit({ type: 'order', payload: { sku: 'A1', qty: 2 } });
 * const done = await driver.whenDone(id);
 */
export class Driver<Rcv = unknown> {
  readonly options: CoordinatorOptions;
  readonly #log: EventLog;
  readonly #emit: (event: CoordinatorEvent) => void;
  /** Erased to `unknown`: each type is only ever run with the receiver it was declared with. */
  readonly #types: ReadonlyMap<string, CommandType<unknown>>;
  readonly #registry: CommandRegistry;
  readonly #waiting: WaitingCommands;
  readonly #ownership: PartitionOwnership;
  readonly #executor: CommandExecutor;
  readonly #committer: CheckpointCommitter;
  readonly #intake: CommandIntake;
  readonly #operator: OperatorActions;
  #ready = false;
  #closed = false;

  constructor(config: DriverConfig<Rcv>) {
    const options = driverOptions.resolve(config.options);
    this.options = options;
    this.#log = config.log;
    this.#emit = config.onEvent ?? (() => {});
    this.#types = typesByName(config.types as readonly CommandType<unknown>[]);
    const view = (command: CommandState) => commandView(command, this.#waiting.dueAt(command.id));
    this.#registry = new CommandRegistry(options.doneRetention, view);
    this.#waiting = new WaitingCommands(config.clock, config.random, options, this.#emit, (id) => {
      const command = this.#registry.running(id);
      if (command) void this.#executor.retry(command);
    });
    this.#ownership = new PartitionOwnership({
      log: config.log,
      types: this.#types,
      registry: this.#registry,
      waiting: this.#waiting,
      emit: this.#emit,
    });
    this.#executor = new CommandExecutor({
      log: config.log,
      clock: config.clock,
      receiver: config.receiver,
      typeOf: (command) => this.#types.get(command.type) as CommandType<unknown>,
      requireOwned: (partition) => this.#ownership.require(partition),
      applied: (command, record, position) => this.#applied(command, record, position),
      emit: this.#emit,
    });
    this.#committer = new CheckpointCommitter({
      clock: config.clock,
      intervalMs: options.checkpointIntervalMs,
      snapshotAfterRecords: options.snapshotAfterRecords,
      partitions: () => this.#ownership.all(),
      parked: (id) => (this.#executor.running(id) ? undefined : this.#registry.running(id)),
      emit: this.#emit,
    });
    this.#operator = new OperatorActions(this.#registry, this.#waiting, this.#executor);
    this.#intake = new CommandIntake({
      maxCmds: options.maxCmds,
      partitions: options.partitions,
      types: this.#types,
      log: config.log,
      clock: config.clock,
      ids: config.ids,
      registry: this.#registry,
      waiting: this.#waiting,
      ownership: this.#ownership,
      executor: this.#executor,
      applied: (command, record, position) => this.#applied(command, record, position),
      emit: this.#emit,
    });
  }

  /** True once the log's first ownership was taken in: the node takes new Commands. */
  get ready(): boolean {
    return this.#ready;
  }

  /**
   * Starts ownership through the log: every partition it assigns is replayed from its checkpoint
   * and its unfinished Commands resume after the slow interval. On a log that owns every
   * partition this resolves once all are recovered; in a cluster, once the node joined.
   */
  async start(): Promise<void> {
    await this.#log.own(this.options.partitions, {
      assigned: (partition) => this.#ownership.assign(partition),
      revoked: (partition) => this.#ownership.revoke(partition),
    });
    this.#ready = true;
  }

  /**
   * Accepts a Command: durable in the log before this resolves, then run.
   * @throws CoordinatorError `UNKNOWN_COMMAND`, `INVALID_PAYLOAD`, `ID_CONFLICT`, `NOT_READY`,
   * `SUSPENDED`, `OVERLOADED`, `NOT_OWNER` or `CLOSED`; nothing is written then.
   */
  submit(submission: Submission): Promise<SubmitResult> {
    if (this.#closed) {
      return Promise.reject(
        new CoordinatorError('CLOSED', 'The node is shutting down; retry on another node'),
      );
    }
    return this.#intake.submit(submission, !this.#ready);
  }

  /** One Command as it stands, or undefined if this node does not know the id. */
  get(id: string): CommandView | undefined {
    const command = this.#registry.known(id);
    return command && commandView(command, this.#waiting.dueAt(id));
  }

  /** Commands matching the filter, unfinished first, newest first, one page at a time. */
  list(filter: CommandFilter = {}): CommandPage {
    return this.#registry.list(filter, (type) => this.#types.get(type)?.services ?? []);
  }

  /** Resolves with the Command once it is done. @throws `UNKNOWN_COMMAND` for an unknown id. */
  whenDone(id: string): Promise<CommandView> {
    return this.#registry.whenDone(id);
  }

  status(): DriverStatus {
    const { since, blocked } = this.#waiting.suspendedBy();
    return {
      ready: this.#ready,
      suspension: this.#waiting.suspension,
      ...(since === undefined ? {} : { suspendedSince: since }),
      blocked,
      inFlight: this.#registry.unfinished,
      waiting: this.#waiting.size,
      maxCmds: this.options.maxCmds,
      nextRetries: this.#waiting.nextRetries(10),
      partitions: this.#ownership.status(),
    };
  }

  /** An operator's retry now (see `OperatorActions`). @throws `UNKNOWN_COMMAND`, `WRONG_STATE`. */
  retryNow(id: string): Promise<CommandView> {
    return this.#operator.retryNow(id, this.#closed);
  }

  /** An operator's cancel (see `OperatorActions`). @throws `UNKNOWN_COMMAND`, `WRONG_STATE`. */
  cancel(id: string): Promise<CommandView> {
    return this.#operator.cancel(id, this.#closed);
  }

  /** How many known Commands (unfinished and retained) stand in each machine state, per type. */
  stateCounts(): Record<string, Record<string, number>> {
    return this.#registry.stateCounts();
  }

  /** Resolves when no Command body is running and no checkpoint is being committed. */
  async idle(): Promise<void> {
    for (;;) {
      await this.#executor.idle();
      const committing = this.#committer.committing;
      if (committing === undefined) return;
      await committing;
    }
  }

  /**
   * Stops taking Commands and retries, waits for running steps, commits the checkpoints. Waiting
   * Commands stay in the log and resume on the next start. The log stays open: its owner closes it.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#executor.close();
    this.#waiting.clear();
    this.#committer.stop();
    await this.#executor.idle();
    await this.#committer.flush();
  }

  /** A record is durable: the one place a Command's state changes, live. */
  #applied(command: CommandState, record: LogRecord, position: number): void {
    const from = command.current;
    applyRecord(command, record, position);
    const owned = this.#ownership.require(command.partition);
    owned.tracker.observe(position);
    this.#emit(transitionEvent(command, record, from));
    if (record.kind === 'outcome' || record.kind === 'failed' || record.kind === 'done') {
      this.#waiting.progressed(command.id);
    } else if (record.kind === 'delayed' || record.kind === 'blocked') {
      this.#waiting.waited(command.id, record.kind, record.service);
    }
    if (record.kind === 'done') {
      const evicted = this.#registry.finish(command);
      if (evicted) this.#ownership.get(evicted.partition)?.tracker.release(evicted.id);
      this.#emit({
        type: 'command.done',
        id: command.id,
        commandType: command.type,
        ...(command.error ? { error: command.error } : {}),
      });
    }
    this.#committer.arm();
  }
}
