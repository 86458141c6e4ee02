import { admit } from './admission.js';
import { canonicalJson } from './canonical-json.js';
import type { CheckpointTracker } from './checkpoint-tracker.js';
import type { Clock, TimerHandle } from './clock.js';
import { checkCommandId } from './command-id.js';
import type { LifecycleState } from './command-machine.js';
import { type AppendRecord, type RunEnd, runCommand } from './command-runner.js';
import { acceptCommand, applyRecord, type CommandState, nextNode } from './command-state.js';
import type { CommandType } from './command-type.js';
import { type CommandFilter, type CommandView, commandView } from './command-view.js';
import { type CoordinatorOptions, driverOptions } from './driver-options.js';
import { CoordinatorError, type ErrorData, toErrorData } from './errors.js';
import type { EventLog } from './event-log.js';
import type { CoordinatorEvent } from './events.js';
import { OwnedPartition } from './owned-partition.js';
import { partitionOf } from './partitioner.js';
import type { IdSource, Random } from './random.js';
import type { LogRecord } from './records.js';
import type { CommandTypes } from './replay.js';
import { retryDelay } from './retry-policy.js';
import { RetryScheduler } from './retry-scheduler.js';
import { SuspensionController, type SuspensionState } from './suspension.js';

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

export interface Submission {
  readonly type: string;
  readonly payload: unknown;
  /**
   * The Command id (see `checkCommandId`); a resubmit with the same id, type and payload answers
   * with the existing Command, one with another type or payload gets `ID_CONFLICT`.
   */
  readonly id?: string;
}

export interface SubmitResult {
  readonly id: string;
  readonly state: LifecycleState;
  /** True when the id was known and nothing new was accepted. */
  readonly existing: boolean;
}

export interface DriverStatus {
  readonly ready: boolean;
  readonly suspension: SuspensionState;
  readonly inFlight: number;
  readonly waiting: number;
  readonly maxCmds: number;
  readonly partitions: readonly { partition: number; checkpoint: number; end: number }[];
}

/**
 * Runs Commands against the ports: admission, execution, retries, suspension, completion and
 * checkpoints. The node runs this same code on the file log or Kafka; tests run it on the
 * in-memory fakes and a simulated clock.
 *
 * @example
 * const driver = new Driver({ log, clock, random, ids, types: [orderSaga], receiver });
 * await driver.recover();
 * const { id } = await driver.submit({ type: 'order', payload: { sku: 'A1', qty: 2 } });
 * const done = await driver.whenDone(id);
 */
export class Driver<Rcv> {
  readonly options: CoordinatorOptions;
  readonly #log: EventLog;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #ids: IdSource;
  readonly #receiver: Rcv;
  readonly #onEvent: (event: CoordinatorEvent) => void;
  readonly #types: Map<string, CommandType<Rcv>>;
  readonly #partitions = new Map<number, OwnedPartition>();
  /** Unfinished Commands. */
  readonly #commands = new Map<string, CommandState>();
  /** Finished Commands, oldest first, up to `doneRetention`. */
  readonly #done = new Map<string, CommandState>();
  /** Commands whose accepted record is being appended. */
  readonly #accepting = new Map<string, Promise<void>>();
  /** Commands delayed or blocked, or retrying without success yet. */
  readonly #waiting = new Set<string>();
  readonly #runs = new Map<string, Promise<void>>();
  readonly #waiters = new Map<
    string,
    { resolve: (view: CommandView) => void; reject: (error: unknown) => void }[]
  >();
  readonly #suspension = new SuspensionController();
  readonly #scheduler: RetryScheduler;
  #checkpointTimer: TimerHandle | undefined;
  #checkpointing: Promise<void> | undefined;
  #ready = false;
  #closed = false;

  constructor(config: DriverConfig<Rcv>) {
    this.options = driverOptions.resolve(config.options);
    this.#log = config.log;
    this.#clock = config.clock;
    this.#random = config.random;
    this.#ids = config.ids;
    this.#receiver = config.receiver;
    this.#onEvent = config.onEvent ?? (() => {});
    this.#types = new Map();
    for (const commandType of config.types) {
      if (this.#types.has(commandType.type)) {
        throw new CoordinatorError(
          'INVALID_DEFINITION',
          `Command type ${commandType.type} is defined twice`,
        );
      }
      this.#types.set(commandType.type, commandType);
    }
    this.#scheduler = new RetryScheduler(this.#clock, (id) => this.#retry(id));
  }

  /** True once recovery finished: the node takes new Commands. */
  get ready(): boolean {
    return this.#ready;
  }

  /**
   * Replays the given partitions from their checkpoints (default: all), rebuilds every unfinished
   * Command and schedules it to resume after the slow interval; then the driver takes new work.
   */
  async recover(partitions?: readonly number[]): Promise<void> {
    const owned = partitions ?? Array.from({ length: this.options.partitions }, (_, i) => i);
    let records = 0;
    for (const partition of owned) {
      const head = await this.#log.head(partition);
      records += Math.max(0, head - (await this.#log.loadCheckpoint(partition)));
    }
    this.#emit({ type: 'recovery.started', partitions: owned.length, records });
    for (const partition of owned) await this.assign(partition);
    this.#ready = true;
  }

  /**
   * Takes a partition over (a cluster assigned it to this node): replays it from its checkpoint
   * and resumes its unfinished Commands after the slow interval. New Commands of the partition get
   * `NOT_READY` until the replay is done.
   */
  async assign(partition: number): Promise<void> {
    if (this.#partitions.has(partition)) return;
    const state = new OwnedPartition(partition, this.#log);
    this.#partitions.set(partition, state);
    try {
      await this.#recoverPartition(partition, state);
    } catch (error) {
      if (this.#partitions.get(partition) === state) this.#partitions.delete(partition);
      throw error;
    } finally {
      state.recovering = false;
    }
  }

  /**
   * Gives a partition up without writing (a cluster moved it to another node, or the log fenced
   * this node): its Commands leave memory, their timers stop, and callers waiting on them get
   * `NOT_OWNER`. A step still running finishes, but its Outcome is not written here; the new
   * owner repeats it (steps are at-least-once).
   */
  revoke(partition: number): void {
    if (!this.#partitions.delete(partition)) return;
    for (const source of [this.#commands, this.#done]) {
      for (const [id, command] of source) {
        if (command.partition !== partition) continue;
        source.delete(id);
        this.#scheduler.cancel(id);
        this.#waiting.delete(id);
        const waiters = this.#waiters.get(id);
        this.#waiters.delete(id);
        const error = new CoordinatorError(
          'NOT_OWNER',
          `Partition ${partition} moved to another node; ask any node for Command ${id}`,
        );
        for (const waiter of waiters ?? []) waiter.reject(error);
      }
    }
    this.#updateWaiting();
    this.#emit({ type: 'partition.revoked', partition });
  }

  async #recoverPartition(partition: number, state: OwnedPartition): Promise<void> {
    const { commands, records, checkpoint } = await state.replay(
      this.#types as CommandTypes,
      (records, total) => this.#emit({ type: 'recovery.progress', partition, records, total }),
    );
    let resumed = 0;
    for (const command of commands.values()) {
      if (command.node.state === 'done') {
        this.#retain(command, state.tracker);
        continue;
      }
      this.#commands.set(command.id, command);
      this.#scheduler.schedule(command.id, this.#delay('slow'));
      resumed += 1;
    }
    this.#emit({ type: 'recovery.done', partition, records, resumed, checkpoint });
  }

  /**
   * Accepts a Command: durable in the log before this resolves, then run.
   * @throws CoordinatorError `UNKNOWN_COMMAND`, `INVALID_PAYLOAD`, `ID_CONFLICT`, `NOT_READY`,
   * `SUSPENDED`, `OVERLOADED`, `NOT_OWNER` or `CLOSED`; nothing is written then.
   */
  async submit(submission: Submission): Promise<SubmitResult> {
    if (this.#closed)
      throw new CoordinatorError('CLOSED', 'The node is shutting down; retry on another node');
    const commandType = this.#types.get(submission.type);
    if (!commandType) {
      const known = [...this.#types.keys()].join(', ');
      throw new CoordinatorError(
        'UNKNOWN_COMMAND',
        `Unknown Command type ${JSON.stringify(submission.type)}; this node runs: ${known}`,
      );
    }
    const given = submission.id === undefined ? undefined : checkCommandId(submission.id);
    let payload: unknown;
    try {
      payload = commandType.validate(submission.payload);
    } catch (error) {
      throw new CoordinatorError(
        'INVALID_PAYLOAD',
        `Payload for ${commandType.type} is invalid: ${toErrorData(error).message}`,
        { cause: error },
      );
    }
    // From here to the registration below nothing awaits, so two submits of one id cannot both
    // pass this check.
    if (given !== undefined && this.#known(given)) {
      return this.#existing({ ...submission, id: given }, payload);
    }
    const verdict = admit({
      inFlight: this.#commands.size,
      maxCmds: this.options.maxCmds,
      suspended: this.#suspension.suspended,
      recovering: !this.#ready,
    });
    if (!verdict.admitted) throw new CoordinatorError(verdict.code, verdict.message);
    let partition: number;
    try {
      partition = partitionOf(commandType.routingKey(payload), this.options.partitions);
    } catch (error) {
      throw new CoordinatorError(
        'INVALID_PAYLOAD',
        `No routing key for this ${commandType.type} payload: ${toErrorData(error).message}`,
        { cause: error },
      );
    }
    const owned = this.#partitions.get(partition);
    if (!owned) {
      throw new CoordinatorError(
        'NOT_OWNER',
        `This node does not own partition ${partition}; send the Command to its owner`,
      );
    }
    // Until its replay is done the partition's Commands are not known here: accepting one now
    // could accept an id the log already holds a second time (a resubmit), or a new Command that
    // replay would then rebuild over the running one.
    if (owned.recovering) {
      throw new CoordinatorError(
        'NOT_READY',
        `Partition ${partition} is being recovered on this node; retry shortly`,
      );
    }
    const id = submission.id ?? this.#ids.next();
    const at = this.#clock.now();
    const accepted = { v: 1, kind: 'accepted', id, at, type: commandType.type, payload } as const;
    const command = acceptCommand(commandType as CommandType<never>, accepted, -1, partition);
    this.#commands.set(id, command);
    const durable = this.#acceptDurably(command, accepted, partition);
    this.#accepting.set(id, durable);
    try {
      await durable;
    } finally {
      this.#accepting.delete(id);
    }
    this.#emit({ type: 'command.accepted', id, commandType: commandType.type, partition });
    this.#start(command);
    return { id, state: command.node.state, existing: false };
  }

  async #acceptDurably(
    command: CommandState,
    accepted: LogRecord,
    partition: number,
  ): Promise<void> {
    const started: LogRecord = { v: 1, kind: 'started', id: command.id, at: accepted.at };
    let positions: readonly number[];
    try {
      positions = await this.#log.append(partition, [accepted, started]);
    } catch (error) {
      this.#commands.delete(command.id);
      // Another node claimed the partition meanwhile: the records are stale (replay skips them),
      // or, where the log could not tell in time, found by the owner's replay; a resubmit by id is
      // safe either way. For the caller the partition moved: a retryable NOT_OWNER (a cluster
      // node then routes the Command to the owner), not the log's FENCED.
      if (error instanceof CoordinatorError && error.code === 'FENCED') {
        throw new CoordinatorError(
          'NOT_OWNER',
          `Partition ${partition} moved to another node while Command ${command.id} was being accepted; send it to its owner`,
          { cause: error },
        );
      }
      throw error;
    }
    const [first = 0, second = first + 1] = positions;
    command.firstPosition = first;
    const tracker = this.#partition(partition).tracker;
    tracker.need(command.id, first);
    this.#applied(command, started, second, tracker);
  }

  #known(id: string): CommandState | undefined {
    return this.#commands.get(id) ?? this.#done.get(id);
  }

  /** A resubmit of a known id: the same Command again (idempotent), or `ID_CONFLICT`. */
  async #existing(
    submission: Submission & { id: string },
    payload: unknown,
  ): Promise<SubmitResult> {
    const accepting = this.#accepting.get(submission.id);
    if (accepting !== undefined) await accepting.catch(() => undefined);
    const command = this.#known(submission.id);
    // The first submit of this id failed to append: this one tries afresh.
    if (!command) return this.submit(submission);
    if (command.type !== submission.type) {
      throw new CoordinatorError(
        'ID_CONFLICT',
        `Command id ${JSON.stringify(submission.id)} is taken by a Command of type ${command.type}, not ${submission.type}; choose another id, or resubmit the same type and payload to get the existing Command`,
      );
    }
    if (canonicalJson(command.payload) !== canonicalJson(payload)) {
      throw new CoordinatorError(
        'ID_CONFLICT',
        `Command id ${JSON.stringify(submission.id)} is taken by a Command of type ${command.type} with a different payload; choose another id, or resubmit the same payload to get the existing Command`,
      );
    }
    return { id: submission.id, state: command.node.state, existing: true };
  }

  /** One Command as it stands, or undefined if this node does not know the id. */
  get(id: string): CommandView | undefined {
    const command = this.#known(id);
    return command && this.#view(command);
  }

  /** Commands, unfinished ones first, filtered by state and type. */
  list(filter: CommandFilter = {}): CommandView[] {
    const limit = filter.limit ?? 100;
    const views: CommandView[] = [];
    for (const source of [this.#commands, this.#done]) {
      for (const command of source.values()) {
        if (views.length >= limit) return views;
        if (filter.state && command.node.state !== filter.state) continue;
        if (filter.type && command.type !== filter.type) continue;
        views.push(this.#view(command));
      }
    }
    return views;
  }

  /** Resolves with the Command once it is done. @throws `UNKNOWN_COMMAND` for an unknown id. */
  whenDone(id: string): Promise<CommandView> {
    const done = this.#done.get(id);
    if (done) return Promise.resolve(this.#view(done));
    if (!this.#commands.has(id)) {
      return Promise.reject(new CoordinatorError('UNKNOWN_COMMAND', `No Command with id ${id}`));
    }
    return new Promise((resolve, reject) => {
      const list = this.#waiters.get(id) ?? [];
      list.push({ resolve, reject });
      this.#waiters.set(id, list);
    });
  }

  status(): DriverStatus {
    return {
      ready: this.#ready,
      suspension: this.#suspension.state,
      inFlight: this.#commands.size,
      waiting: this.#waiting.size,
      maxCmds: this.options.maxCmds,
      partitions: [...this.#partitions].map(([partition, { tracker }]) => ({
        partition,
        checkpoint: tracker.checkpoint,
        end: tracker.end,
      })),
    };
  }

  /** Resolves when no Command body is running (timers may still be armed). */
  async idle(): Promise<void> {
    while (this.#runs.size > 0 || this.#checkpointing !== undefined) {
      await Promise.all([...this.#runs.values(), this.#checkpointing]);
    }
  }

  /**
   * Stops taking Commands and retries, waits for running steps, commits the checkpoints. Waiting
   * Commands stay in the log and resume on the next start.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#scheduler.clear();
    if (this.#checkpointTimer !== undefined) this.#clock.clearTimer(this.#checkpointTimer);
    this.#checkpointTimer = undefined;
    await this.idle();
    await this.#commitCheckpoints(false);
  }

  #partition(partition: number): OwnedPartition {
    const state = this.#partitions.get(partition);
    if (!state)
      throw new CoordinatorError('NOT_OWNER', `This node does not own partition ${partition}`);
    return state;
  }

  #delay(interval: 'slow' | 'fast'): number {
    const intervalMs =
      interval === 'fast' ? this.options.fastRetryIntervalMs : this.options.slowRetryIntervalMs;
    return retryDelay({ intervalMs, jitterMs: this.options.jitterMs }, this.#random.next());
  }

  #emit(event: CoordinatorEvent): void {
    this.#onEvent(event);
  }

  readonly #append: AppendRecord = async (command, draft) => {
    const record = { ...draft, v: 1, id: command.id, at: this.#clock.now() } as LogRecord;
    nextNode(command, record, command.lastPosition + 1);
    const partition = command.partition;
    this.#partition(partition);
    const [position = -1] = await this.#log.append(partition, [record]);
    this.#applied(command, record, position, this.#partition(partition).tracker);
  };

  #applied(
    command: CommandState,
    record: LogRecord,
    position: number,
    tracker: CheckpointTracker,
  ): void {
    const from = command.node.state;
    applyRecord(command, record, position);
    tracker.observe(position);
    this.#emit({
      type: 'command.transition',
      id: command.id,
      commandType: command.type,
      record: record.kind,
      from,
      to: command.node.state,
      position: command.node.position,
      ...transitionDetail(record),
    });
    if (record.kind === 'outcome' || record.kind === 'failed' || record.kind === 'done') {
      this.#progressed(command.id);
    }
    if (record.kind === 'done') this.#finished(command, tracker);
    this.#armCheckpoint();
  }

  /** A Command moved forward: if it was waiting, its retry succeeded. */
  #progressed(id: string): void {
    if (!this.#waiting.delete(id)) return;
    if (this.#waiting.size > 0 && this.#suspension.retrySucceeded()) {
      this.#emit({ type: 'node.suspension', state: this.#suspension.state });
      this.#scheduler.hurry(this.options.fastRetryIntervalMs + this.options.jitterMs, () =>
        this.#delay('fast'),
      );
    }
    this.#updateWaiting();
  }

  #updateWaiting(): void {
    if (this.#suspension.waiting(this.#waiting.size)) {
      this.#emit({ type: 'node.suspension', state: this.#suspension.state });
    }
  }

  #finished(command: CommandState, tracker: CheckpointTracker): void {
    this.#commands.delete(command.id);
    this.#retain(command, tracker);
    this.#emit({
      type: 'command.done',
      id: command.id,
      commandType: command.type,
      ...(command.error ? { error: command.error } : {}),
    });
    const waiters = this.#waiters.get(command.id);
    if (waiters) {
      this.#waiters.delete(command.id);
      const view = this.#view(command);
      for (const waiter of waiters) waiter.resolve(view);
    }
  }

  /**
   * Keeps a finished Command for lookups and idempotent resubmits. It goes on pinning the
   * checkpoint until it is evicted, so a restarted node replays it and still knows its id.
   */
  #retain(command: CommandState, tracker: CheckpointTracker): void {
    if (this.options.doneRetention === 0) {
      tracker.release(command.id);
      return;
    }
    this.#done.set(command.id, command);
    if (this.#done.size <= this.options.doneRetention) return;
    const oldest = this.#done.values().next().value;
    if (oldest === undefined) return;
    this.#done.delete(oldest.id);
    this.#partition(oldest.partition).tracker.release(oldest.id);
  }

  #start(command: CommandState): void {
    if (this.#runs.has(command.id) || this.#closed) return;
    const run = this.#execute(command).finally(() => this.#runs.delete(command.id));
    this.#runs.set(command.id, run);
  }

  async #execute(command: CommandState): Promise<void> {
    const commandType = this.#types.get(command.type) as CommandType<Rcv>;
    let end: RunEnd;
    try {
      end = await runCommand(command, commandType, this.#receiver, this.#append);
    } catch (error) {
      // The log refused an append (fenced, disk failure) or a body broke its contract: the
      // Command stays as its durable records left it and resumes on the next start.
      this.#emit({
        type: 'command.stalled',
        id: command.id,
        error: toErrorData(error, 'LOG_CORRUPT'),
      });
      return;
    }
    if (end === 'done') return;
    this.#waiting.add(command.id);
    if (end === 'blocked' && this.#suspension.state !== 'suspended-slow') {
      this.#suspension.blocked();
      this.#emit({ type: 'node.suspension', state: this.#suspension.state });
    }
    if (!this.#closed) this.#scheduler.schedule(command.id, this.#delay(this.#suspension.interval));
  }

  /** A retry timer fired (or a recovered Command's resume time came). */
  #retry(id: string): void {
    const command = this.#commands.get(id);
    if (!command || this.#closed || this.#runs.has(id)) return;
    const resume = async () => {
      const state = command.node.state;
      if (state === 'pending') await this.#append(command, { kind: 'started' });
      else if (state === 'delayed' || state === 'blocked')
        await this.#append(command, { kind: 'retried' });
    };
    const run = resume()
      .then(
        () => this.#execute(command),
        (error: unknown) =>
          this.#emit({ type: 'command.stalled', id, error: toErrorData(error, 'LOG_CORRUPT') }),
      )
      .finally(() => this.#runs.delete(id));
    this.#runs.set(id, run);
  }

  #armCheckpoint(): void {
    if (this.#checkpointTimer !== undefined || this.#closed) return;
    this.#checkpointTimer = this.#clock.setTimer(() => {
      this.#checkpointTimer = undefined;
      this.#checkpointing = this.#commitCheckpoints(true).finally(() => {
        this.#checkpointing = undefined;
      });
    }, this.options.checkpointIntervalMs);
  }

  /**
   * Commits every partition's advanced checkpoint; first, when `carry` is set, carries parked
   * Commands that hold it back forward in snapshots.
   */
  async #commitCheckpoints(carry: boolean): Promise<void> {
    for (const [partition, state] of this.#partitions) {
      try {
        if (carry) {
          const parked = (id: string) => (this.#runs.has(id) ? undefined : this.#commands.get(id));
          await state.carryForward(this.options.snapshotAfterRecords, parked, this.#clock.now());
        }
        const position = await state.commit();
        if (position !== undefined)
          this.#emit({ type: 'checkpoint.committed', partition, position });
      } catch (error) {
        this.#emit({
          type: 'checkpoint.failed',
          partition,
          error: toErrorData(error, 'LOG_CORRUPT'),
        });
      }
    }
  }

  #view(command: CommandState): CommandView {
    return commandView(command, this.#scheduler.dueAt(command.id));
  }
}

/** What a transition event says beyond the states: the step, its service and the error. */
function transitionDetail(record: LogRecord): {
  step?: string;
  service?: string;
  error?: ErrorData;
} {
  switch (record.kind) {
    case 'failed':
    case 'delayed':
    case 'blocked':
      return record.service === undefined
        ? { step: record.step, error: record.error }
        : { step: record.step, service: record.service, error: record.error };
    case 'done':
      return record.error ? { error: record.error } : {};
    default:
      return {};
  }
}
