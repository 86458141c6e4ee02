import type { Clock } from './clock.js';
import type { RecordDraft } from './command-runner.js';
import { runCommand } from './command-runner.js';
import { type CommandState, nextState } from './command-state.js';
import type { CommandType } from './command-type.js';
import { toErrorData } from './errors.js';
import type { EventLog } from './event-log.js';
import type { CoordinatorEvent } from './events.js';
import type { LogRecord } from './records.js';

export interface CommandExecutorConfig {
  readonly log: EventLog;
  readonly clock: Clock;
  readonly receiver: unknown;
  readonly typeOf: (command: CommandState) => CommandType<unknown>;
  /** @throws `NOT_OWNER` when the partition is no longer owned here. */
  readonly requireOwned: (partition: number) => void;
  /** A record of the Command is durable at `position`: apply it. */
  readonly applied: (command: CommandState, record: LogRecord, position: number) => void;
  readonly emit: (event: CoordinatorEvent) => void;
}

/**
 * Runs Command bodies, one run per Command at a time. Each record a body produces is checked
 * against the machine, appended, and applied once durable; a retry first appends `retried` (or
 * `started` for a Command recovered in `pending`).
 */
export class CommandExecutor {
  readonly #config: CommandExecutorConfig;
  readonly #runs = new Map<string, Promise<void>>();
  #closed = false;

  constructor(config: CommandExecutorConfig) {
    this.#config = config;
  }

  /** Whether the Command's body is running now. */
  running(id: string): boolean {
    return this.#runs.has(id);
  }

  /** Runs a Command just accepted (its `started` record is durable). */
  start(command: CommandState): void {
    if (this.#runs.has(command.id) || this.#closed) return;
    this.#track(command.id, this.#execute(command));
  }

  /**
   * Its retry is due (or a recovered Command's resume time came, or an operator asked for it
   * now: `by`). Resolves once the `retried` (or `started`) record is durable and the body runs;
   * does nothing when the body runs already.
   */
  retry(command: CommandState, by?: 'operator'): Promise<void> {
    if (this.#closed || this.#runs.has(command.id)) return Promise.resolve();
    const resume = async () => {
      const { state } = command.current;
      if (state === 'pending') await this.#append(command, { kind: 'started' });
      else if (state === 'delayed' || state === 'blocked') {
        await this.#append(command, by ? { kind: 'retried', by } : { kind: 'retried' });
      }
    };
    const resumed = resume();
    this.#track(
      command.id,
      resumed.then(
        () => this.#execute(command),
        (error: unknown) => this.#stalled(command.id, error),
      ),
    );
    return resumed;
  }

  /** Appends a record that changes no state (an operator's `cancelled`), durable on return. */
  mark(command: CommandState, draft: RecordDraft): Promise<void> {
    return this.#append(command, draft);
  }

  /** Resolves when no body is running. */
  async idle(): Promise<void> {
    while (this.#runs.size > 0) await Promise.all(this.#runs.values());
  }

  /** No more runs start; running ones finish. */
  close(): void {
    this.#closed = true;
  }

  #track(id: string, run: Promise<void>): void {
    const tracked = run.finally(() => this.#runs.delete(id));
    this.#runs.set(id, tracked);
  }

  async #execute(command: CommandState): Promise<void> {
    try {
      await runCommand(command, this.#config.typeOf(command), this.#config.receiver, this.#append);
    } catch (error) {
      // The log refused an append (fenced, disk failure) or a body broke its contract: the
      // Command stays as its durable records left it and resumes on the next start.
      this.#stalled(command.id, error);
    }
  }

  readonly #append = async (
    command: CommandState,
    draft: RecordDraft,
    then?: RecordDraft,
  ): Promise<void> => {
    const { clock, log, requireOwned, applied } = this.#config;
    const at = clock.now();
    const records = (then ? [draft, then] : [draft]).map(
      (d) => ({ ...d, v: 1, id: command.id, at }) as LogRecord,
    );
    // Each record is checked against the state the one before it leads to, before any is written.
    let view = command;
    for (const record of records) {
      view = { ...view, current: nextState(view, record, command.lastPosition + 1) };
    }
    requireOwned(command.partition);
    const positions = await log.append(command.partition, records);
    requireOwned(command.partition);
    records.forEach((record, i) => {
      applied(command, record, positions[i] ?? -1);
    });
  };

  #stalled(id: string, error: unknown): void {
    this.#config.emit({ type: 'command.stalled', id, error: toErrorData(error, 'LOG_CORRUPT') });
  }
}
