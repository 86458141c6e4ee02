import type { CommandExecutor } from './command-executor.js';
import type { CommandRegistry } from './command-registry.js';
import type { CommandState } from './command-state.js';
import { type CommandView, commandView } from './command-view.js';
import { CoordinatorError } from './errors.js';
import type { WaitingCommands } from './waiting-commands.js';

/**
 * What an operator may do to a running Command, each durable in the log and idempotent: retry it
 * now (a `retried` record `by: 'operator'`), or cancel it (a `cancelled` record; the next step
 * boundary ends it). Both are refused with `WRONG_STATE` where they do not apply.
 */
export class OperatorActions {
  readonly #registry: CommandRegistry;
  readonly #waiting: WaitingCommands;
  readonly #executor: CommandExecutor;
  /** The cancelled records being written, per Command id. */
  readonly #marking = new Map<string, Promise<void>>();

  constructor(registry: CommandRegistry, waiting: WaitingCommands, executor: CommandExecutor) {
    this.#registry = registry;
    this.#waiting = waiting;
    this.#executor = executor;
  }

  /**
   * An operator's retry now: a delayed or blocked Command runs its next attempt at once (its
   * `retried` record says so); a Command already running is left as it is. Resolves with the view
   * once the retry is durable.
   * @throws CoordinatorError `UNKNOWN_COMMAND`, `WRONG_STATE` when it is done.
   */
  async retryNow(id: string, closed: boolean): Promise<CommandView> {
    const command = this.#operable(id, 'retry', closed);
    const { state } = command.current;
    if ((state === 'delayed' || state === 'blocked') && !this.#executor.running(id)) {
      this.#waiting.unschedule(id);
      await this.#executor.retry(command, 'operator');
    }
    return commandView(command, this.#waiting.dueAt(id));
  }

  /**
   * An operator's cancel, durable in the log (a `cancelled` record): at its next step boundary a
   * declared saga compensates its completed steps in reverse order, a code body ends; both end
   * `done` with `CANCELLED`. A waiting Command goes to that boundary at once. Cancelling again is
   * a no-op, also once the cancelled Command is done (a client may repeat a cancel it did not see
   * answered).
   * @throws CoordinatorError `UNKNOWN_COMMAND`; `WRONG_STATE` when it finished otherwise or is
   * compensating.
   */
  async cancel(id: string, closed: boolean): Promise<CommandView> {
    const finished = this.#registry.running(id) ? undefined : this.#registry.known(id);
    if (finished?.cancelled && !closed) return commandView(finished, undefined);
    const command = this.#operable(id, 'cancel', closed);
    if (!command.cancelled) {
      if (command.failures.length > 0) {
        throw new CoordinatorError(
          'WRONG_STATE',
          `Command ${id} cannot be cancelled: a step failed and it is compensating already`,
        );
      }
      // A cancel repeated before the first is durable waits for it: one cancelled record.
      let marking = this.#marking.get(id);
      if (!marking) {
        marking = this.#executor.mark(command, { kind: 'cancelled' });
        this.#marking.set(id, marking);
        const forget = () => this.#marking.delete(id);
        marking.then(forget, forget);
      }
      await marking;
      if (command.current.state !== 'executing' && !this.#executor.running(id)) {
        this.#waiting.unschedule(id);
        await this.#executor.retry(command, 'operator');
      }
    }
    return commandView(command, this.#waiting.dueAt(id));
  }

  /** The unfinished Command an operator acts on. */
  #operable(id: string, action: 'retry' | 'cancel', closed: boolean): CommandState {
    if (closed) {
      throw new CoordinatorError('CLOSED', 'The node is shutting down; retry on another node');
    }
    const command = this.#registry.running(id);
    if (command) return command;
    if (this.#registry.known(id)) {
      throw new CoordinatorError(
        'WRONG_STATE',
        `Command ${id} is done; there is nothing to ${action === 'retry' ? 'retry' : 'cancel'}`,
      );
    }
    throw new CoordinatorError('UNKNOWN_COMMAND', `No Command with id ${id}`);
  }
}
