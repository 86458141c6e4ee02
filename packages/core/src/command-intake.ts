import { admit } from './admission.js';
import { canonicalJson } from './canonical-json.js';
import type { Clock } from './clock.js';
import type { CommandExecutor } from './command-executor.js';
import { checkCommandId } from './command-id.js';
import type { LifecycleState } from './command-machine.js';
import type { CommandRegistry } from './command-registry.js';
import { acceptCommand, type CommandState } from './command-state.js';
import type { CommandType } from './command-type.js';
import { CoordinatorError, toErrorData } from './errors.js';
import type { EventLog } from './event-log.js';
import type { CoordinatorEvent } from './events.js';
import type { PartitionOwnership } from './partition-ownership.js';
import { partitionOf } from './partitioner.js';
import type { IdSource } from './random.js';
import type { LogRecord } from './records.js';
import type { WaitingCommands } from './waiting-commands.js';

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

export interface CommandIntakeConfig {
  readonly maxCmds: number;
  readonly partitions: number;
  readonly types: ReadonlyMap<string, CommandType<unknown>>;
  readonly log: EventLog;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly registry: CommandRegistry;
  readonly waiting: WaitingCommands;
  readonly ownership: PartitionOwnership;
  readonly executor: CommandExecutor;
  /** A record of the Command is durable at `position`: apply it. */
  readonly applied: (command: CommandState, record: LogRecord, position: number) => void;
  readonly emit: (event: CoordinatorEvent) => void;
}

/**
 * New Commands: validation, idempotency (a known id is the same Command again, or
 * `ID_CONFLICT`), admission (`maxCmds`, suspension, recovery) and persist-first acceptance (the
 * `accepted` and `started` records durable in one write before anyone is told).
 */
export class CommandIntake {
  readonly #c: CommandIntakeConfig;

  constructor(config: CommandIntakeConfig) {
    this.#c = config;
  }

  /**
   * Accepts a Command: durable in the log before this resolves, then run.
   * @throws CoordinatorError `UNKNOWN_COMMAND`, `INVALID_PAYLOAD`, `ID_CONFLICT`, `NOT_READY`,
   * `SUSPENDED`, `OVERLOADED` or `NOT_OWNER`; nothing is written then.
   */
  async submit(submission: Submission, recovering: boolean): Promise<SubmitResult> {
    const commandType = this.#c.types.get(submission.type);
    if (!commandType) {
      const known = [...this.#c.types.keys()].join(', ');
      throw new CoordinatorError(
        'UNKNOWN_COMMAND',
        `Unknown Command type ${JSON.stringify(submission.type)}; this node runs: ${known}`,
      );
    }
    const given = submission.id === undefined ? undefined : checkCommandId(submission.id);
    const payload = invalidPayload(`Payload for ${commandType.type} is invalid`, () =>
      commandType.validate(submission.payload),
    );
    // From here to the registration below nothing awaits, so two submits of one id cannot both
    // pass this check.
    if (given !== undefined && this.#c.registry.known(given)) {
      return this.#existing({ ...submission, id: given }, payload, recovering);
    }
    const verdict = admit({
      inFlight: this.#c.registry.unfinished,
      maxCmds: this.#c.maxCmds,
      suspended: this.#c.waiting.suspended,
      recovering,
    });
    if (!verdict.admitted) throw new CoordinatorError(verdict.code, verdict.message);
    const partition = invalidPayload(`No routing key for this ${commandType.type} payload`, () =>
      partitionOf(commandType.routingKey(payload), this.#c.partitions),
    );
    const owned = this.#c.ownership.get(partition);
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
    const id = given ?? this.#c.ids.next();
    const accepted = {
      v: 1,
      kind: 'accepted',
      id,
      at: this.#c.clock.now(),
      type: commandType.type,
      payload,
    } as const;
    const command = acceptCommand(commandType, accepted, -1, partition);
    const durable = this.#acceptDurably(command, accepted);
    this.#c.registry.accept(command, durable);
    await durable;
    this.#c.emit({ type: 'command.accepted', id, commandType: commandType.type, partition });
    this.#c.executor.start(command);
    return { id, state: command.current.state, existing: false };
  }

  /** Appends `accepted` and `started` in one write. */
  async #acceptDurably(command: CommandState, accepted: LogRecord): Promise<void> {
    const { id, partition } = command;
    const started: LogRecord = { v: 1, kind: 'started', id, at: accepted.at };
    let positions: readonly number[];
    try {
      positions = await this.#c.log.append(partition, [accepted, started]);
    } catch (error) {
      this.#c.registry.remove(id);
      // Another node claimed the partition meanwhile: the records are stale (replay skips them),
      // or found by the owner's replay; a resubmit by id is safe either way. For the caller the
      // partition moved: a retryable NOT_OWNER (a cluster node routes it to the owner).
      if (error instanceof CoordinatorError && error.code === 'FENCED') {
        throw new CoordinatorError(
          'NOT_OWNER',
          `Partition ${partition} moved to another node while Command ${id} was being accepted; send it to its owner`,
          { cause: error },
        );
      }
      throw error;
    }
    const [first = 0, second = first + 1] = positions;
    command.firstPosition = first;
    this.#c.ownership.require(partition).tracker.need(id, first);
    this.#c.applied(command, started, second);
  }

  /** A resubmit of a known id: the same Command again (idempotent), or `ID_CONFLICT`. */
  async #existing(
    submission: Submission & { id: string },
    payload: unknown,
    recovering: boolean,
  ): Promise<SubmitResult> {
    await this.#c.registry.accepting(submission.id)?.catch(() => undefined);
    const command = this.#c.registry.known(submission.id);
    // The first submit of this id failed to append: this one tries afresh.
    if (!command) return this.submit(submission, recovering);
    const what = `Command id ${JSON.stringify(submission.id)} is taken by a Command of type ${command.type}`;
    if (command.type !== submission.type) {
      throw new CoordinatorError(
        'ID_CONFLICT',
        `${what}, not ${submission.type}; choose another id, or resubmit the same type and payload to get the existing Command`,
      );
    }
    if (canonicalJson(command.payload) !== canonicalJson(payload)) {
      throw new CoordinatorError(
        'ID_CONFLICT',
        `${what} with a different payload; choose another id, or resubmit the same payload to get the existing Command`,
      );
    }
    return { id: submission.id, state: command.current.state, existing: true };
  }
}

/** Runs `check`; what it throws is the payload's fault: `INVALID_PAYLOAD` with `what`. */
function invalidPayload<T>(what: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    throw new CoordinatorError('INVALID_PAYLOAD', `${what}: ${toErrorData(error).message}`, {
      cause: error,
    });
  }
}
