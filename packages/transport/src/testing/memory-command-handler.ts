import {
  type CommandEvent,
  type CommandFilter,
  type CommandView,
  CoordinatorError,
  type ErrorData,
  type LifecycleState,
  type Submission,
  type SubmitResult,
  toErrorData,
} from '@coordinator/core';
import type { CommandHandler, HandlerStatus } from '../command-handler.js';

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

  list(filter: CommandFilter): CommandView[] {
    const limit = filter.limit ?? 100;
    return [...this.#commands.values()]
      .filter(
        (e) =>
          (!filter.state || e.state === filter.state) && (!filter.type || e.type === filter.type),
      )
      .slice(0, limit)
      .map((e) => this.#details(e));
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
    try {
      entry.result = await run({ id: entry.id, type: entry.type, payload: entry.payload });
    } catch (error) {
      entry.error = toErrorData(error);
    }
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
