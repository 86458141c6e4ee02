import { acceptCommand, applyRecord, type CommandState, restoreCommand } from './command-state.js';
import type { CommandType } from './command-type.js';
import { CoordinatorError } from './errors.js';
import type { LoggedRecord } from './event-log.js';

/** Command types by name, as replay and the driver look them up. */
export type CommandTypes = ReadonlyMap<string, CommandType<never>>;

/**
 * Folds log records into Commands, one record at a time, so recovery can feed it batches as the
 * log reads them. Records of Commands it has not seen accepted (their accepted record lies before
 * the checkpoint, so they are finished) are counted and skipped.
 */
export class Replayer {
  readonly commands = new Map<string, CommandState>();
  readonly #types: CommandTypes;
  readonly #partition: number;
  #skipped = 0;
  #records = 0;

  /** `partition` is the one whose records this replayer is fed. */
  constructor(types: CommandTypes, partition = 0) {
    this.#types = types;
    this.#partition = partition;
  }

  /** Records applied or skipped so far. */
  get records(): number {
    return this.#records;
  }

  /** Records skipped because their Command finished before the checkpoint. */
  get skipped(): number {
    return this.#skipped;
  }

  #typeOf(name: string, id: string, position: number): CommandType<never> {
    const commandType = this.#types.get(name);
    if (!commandType) {
      throw new CoordinatorError(
        'UNKNOWN_COMMAND',
        `The log holds Command ${id} (position ${position}) of type ${name}, which this node does not define; add the type to the config or replay with a config that has it`,
      );
    }
    return commandType;
  }

  apply({ position, record }: LoggedRecord): void {
    this.#records += 1;
    const known = this.commands.get(record.id);
    switch (record.kind) {
      case 'accepted': {
        if (known) {
          throw new CoordinatorError(
            'INVALID_RECORD',
            `Command ${record.id} is accepted twice (again at position ${position})`,
          );
        }
        const commandType = this.#typeOf(record.type, record.id, position);
        this.commands.set(record.id, acceptCommand(commandType, record, position, this.#partition));
        return;
      }
      case 'snapshot': {
        if (known) {
          known.firstPosition = position;
          known.lastPosition = position;
          return;
        }
        const commandType = this.#typeOf(record.command.type, record.id, position);
        this.commands.set(
          record.id,
          restoreCommand(
            commandType,
            record.id,
            record.command,
            position,
            record.at,
            this.#partition,
          ),
        );
        return;
      }
      default:
        if (!known) {
          this.#skipped += 1;
          return;
        }
        applyRecord(known, record, position);
    }
  }
}

/**
 * Rebuilds every Command the records mention: state, attempts, Outcomes and next step. Pure: the
 * same records always give the same Commands.
 */
export function replay(
  records: Iterable<LoggedRecord>,
  types: CommandTypes,
  partition = 0,
): Map<string, CommandState> {
  const replayer = new Replayer(types, partition);
  for (const logged of records) replayer.apply(logged);
  return replayer.commands;
}
