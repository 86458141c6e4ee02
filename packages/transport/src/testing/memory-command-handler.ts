import {
  type CommandEvent,
  type CommandFilter,
  type CommandPage,
  type CommandView,
  CoordinatorError,
  type ErrorData,
  type LifecycleState,
  type OutcomePage,
  type OutcomeQuery,
  type Submission,
  type SubmitResult,
  toErrorData,
} from '@coordinator/core';
import type { CommandHandler, CommandTypeInfo, HandlerStatus } from '../command-handler.js';

/** One Command as `MemoryCommandHandler` runs it. */
export interface MemoryCommand {
  readonly id: string;
  readonly type: string;
  readonly payload: unknown;
}

export interface MemoryCommandHandlerOptions {
  /** The Command types it knows; others get `UNKNOWN_COMMAND`. @default every type */
  readonly types?: readonly string[];
  /** Checks a payload; a throw becomes `INVALID_PAYLOAD`. @default accepts any payload */
  readonly validate?: (command: MemoryCommand) => void;
  /**
   * Runs an accepted Command: the value is its result, a throw its error. Return a promise the
   * test settles to control when (and in which order) Commands finish.
   * @default echoes the payload at once
   */
  readonly run?: (command: MemoryCommand) => unknown;
}

interface Entry extends MemoryCommand {
  state: LifecycleState;
  result?: unknown;
  error?: ErrorData;
  readonly events: CommandEvent[];
  readonly acceptedAt: number;
  updatedAt: number;
}

/**
 * An in-memory `CommandHandler` for tests: runs each Command once, through `run`, and records
 * every submission. Flip `ready` and `refusal` to exercise `/readyz` and refusals.
 */
export class MemoryCommandHandler implements CommandHandler {
  /** `status().ready`. */
  ready = true;
  /** When set, every submit throws it (e.g. `OVERLOADED`). */
  refusal: CoordinatorError | undefined;
  /** Every submission received, resubmits included. */
  readonly submissions: Submission[] = [];
  /** How many times each Command ran: 1 each, however often it was resubmitted. */
  readonly runs = new Map<string, number>();
  readonly #options: MemoryCommandHandlerOptions;
  readonly #commands = new Map<string, Entry>();
  readonly #waiters = new Map<string, Set<(details: CommandView) => void>>();
  #ids = 0;

  constructor(options: MemoryCommandHandlerOptions = {}) {
    this.#options = options;
  }

  async submit(submission: Submission): Promise<SubmitResult> {
    this.submissions.push(submission);
    if (this.refusal) throw this.refusal;
    const { types, validate } = this.#options;
    if (types && !types.includes(submission.type)) {
      throw new CoordinatorError('UNKNOWN_COMMAND', `Unknown Command type ${submission.type}`);
    }
    const known = submission.id === undefined ? undefined : this.#commands.get(submission.id);
    if (known) return { id: known.id, state: known.state, existing: true };
    const id = submission.id ?? `cmd-${++this.#ids}`;
    const command = { id, type: submission.type, payload: submission.payload };
    try {
      validate?.(command);
    } catch (error) {
      throw new CoordinatorError('INVALID_PAYLOAD', toErrorData(error).message, { cause: error });
    }
    const now = Date.now();
    const entry: Entry = {
      ...command,
      state: 'pending',
      events: [],
      acceptedAt: now,
      updatedAt: now,
    };
    this.#commands.set(id, entry);
    this.#record(entry, 'accepted');
    queueMicrotask(() => this.#execute(entry));
    return { id, state: 'pending', existing: false };
  }

  get(id: string): CommandView | undefined {
    const entry = this.#commands.get(id);
    return entry && this.#details(entry);
  }

  /** Matches state, type and id prefix; no paging (every match up to `limit`). */
  list(filter: CommandFilter): CommandPage {
    const limit = filter.limit ?? 100;
    const commands = [...this.#commands.values()]
      .filter(
        (e) =>
          (!filter.state || e.state === filter.state) &&
          (!filter.type || e.type === filter.type) &&
          (!filter.idPrefix || e.id.startsWith(filter.idPrefix)),
      )
      .slice(0, limit)
      .map((e) => this.#details(e));
    return { commands };
  }

  /** Runs the Command's work again at once, if it is not done. */
  async retryNow(id: string): Promise<CommandView> {
    return this.#details(this.#unfinished(id));
  }

  /** Ends a Command not yet done with `CANCELLED`. */
  async cancel(id: string): Promise<CommandView> {
    const entry = this.#unfinished(id);
    this.#finish(entry, undefined, {
      code: 'CANCELLED',
      message: `Command ${id} was cancelled by an operator`,
    });
    return this.#details(entry);
  }

  types(): readonly CommandTypeInfo[] {
    return (this.#options.types ?? []).map((type) => ({ type, kind: 'code', services: [type] }));
  }

  async inspect(): Promise<Record<string, unknown>> {
    return { ready: this.ready, commands: this.#commands.size };
  }

  /** This handler keeps no Outcomes: a service it knows has none, any other is unknown. */
  async outcomes(query: OutcomeQuery): Promise<OutcomePage> {
    if (!this.types().some((t) => t.services.includes(query.service))) {
      throw new CoordinatorError('UNKNOWN_SERVICE', `No Command type calls ${query.service}`);
    }
    return { items: [], next: null, retention: { complete: true, oldest: null } };
  }

  /** This handler runs no machines: there is nothing to draw. */
  async chart(type: string): Promise<string> {
    throw new CoordinatorError('UNKNOWN_COMMAND', `No chart for Command type ${type}`);
  }

  #unfinished(id: string): Entry {
    const entry = this.#commands.get(id);
    if (!entry) throw new CoordinatorError('UNKNOWN_COMMAND', `No Command with id ${id}`);
    if (entry.state === 'done') {
      throw new CoordinatorError('WRONG_STATE', `Command ${id} is done`);
    }
    return entry;
  }

  whenDone(id: string, signal: AbortSignal): Promise<CommandView> {
    const entry = this.#commands.get(id);
    if (!entry)
      return Promise.reject(new CoordinatorError('UNKNOWN_COMMAND', `No Command with id ${id}`));
    if (entry.state === 'done') return Promise.resolve(this.#details(entry));
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiters = this.#waiters.get(id) ?? new Set();
      this.#waiters.set(id, waiters);
      const abort = () => {
        waiters.delete(done);
        reject(signal.reason);
      };
      const done = (details: CommandView) => {
        signal.removeEventListener('abort', abort);
        resolve(details);
      };
      waiters.add(done);
      signal.addEventListener('abort', abort, { once: true });
    });
  }

  status(): HandlerStatus {
    return { ready: this.ready, detail: { commands: this.#commands.size } };
  }

  /** Commands waiting in `whenDone` for the given id (or all): lets tests see aborts land. */
  waiting(id?: string): number {
    if (id !== undefined) return this.#waiters.get(id)?.size ?? 0;
    let total = 0;
    for (const set of this.#waiters.values()) total += set.size;
    return total;
  }

  async #execute(entry: Entry): Promise<void> {
    entry.state = 'executing';
    this.#record(entry, 'started');
    this.runs.set(entry.id, (this.runs.get(entry.id) ?? 0) + 1);
    const run = this.#options.run ?? ((command: MemoryCommand) => command.payload);
    let result: unknown;
    let error: ErrorData | undefined;
    try {
      result = await run({ id: entry.id, type: entry.type, payload: entry.payload });
    } catch (thrown) {
      error = toErrorData(thrown);
    }
    // An operator may have cancelled it meanwhile.
    if ((entry.state as LifecycleState) !== 'done') this.#finish(entry, result, error);
  }

  #finish(entry: Entry, result: unknown, error: ErrorData | undefined): void {
    if (error) entry.error = error;
    else entry.result = result;
    entry.state = 'done';
    this.#record(entry, 'done');
    const waiters = this.#waiters.get(entry.id);
    this.#waiters.delete(entry.id);
    for (const resolve of waiters ?? []) resolve(this.#details(entry));
  }

  #record(entry: Entry, kind: CommandEvent['kind']): void {
    entry.updatedAt = Date.now();
    entry.events.push({ kind, at: entry.updatedAt });
  }

  #details(entry: Entry): CommandView {
    const done = entry.state === 'done';
    return {
      id: entry.id,
      type: entry.type,
      payload: entry.payload,
      state: entry.state,
      step: done ? 'done' : 'run',
      partition: 0,
      attempts: 1,
      outcomes:
        done && !entry.error ? [{ step: 'run', service: entry.type, outcome: entry.result }] : [],
      failures: [],
      ...(done && !entry.error ? { result: entry.result } : {}),
      ...(entry.error ? { error: entry.error } : {}),
      acceptedAt: entry.acceptedAt,
      updatedAt: entry.updatedAt,
      events: [...entry.events],
    };
  }
}
