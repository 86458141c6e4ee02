import type { CommandState } from './command-state.js';
import type { CommandFilter, CommandView } from './command-view.js';
import { CoordinatorError } from './errors.js';

/** One page of a list, and the cursor of the next when there is one. */
export interface CommandPage {
  readonly commands: CommandView[];
  readonly next?: string;
}

/**
 * A Command's place in a list, as text that sorts unfinished before finished, newer before older,
 * then by id: the `next` cursor of a page is the last one's. Nodes of a cluster merge their pages
 * by it.
 */
export function listCursor(command: {
  readonly state: string;
  readonly acceptedAt: number;
  readonly id: string;
}): string {
  const newestFirst = (Number.MAX_SAFE_INTEGER - command.acceptedAt).toString().padStart(16, '0');
  return `${command.state === 'done' ? 1 : 0}.${newestFirst}.${command.id}`;
}

interface Waiter {
  readonly resolve: (view: CommandView) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Every Command this node knows: the unfinished ones, the finished ones kept for lookups and
 * idempotent resubmits (up to `doneRetention`, oldest evicted first), the ones whose accepted
 * record is being appended, and who waits for which to finish.
 */
export class CommandRegistry {
  readonly #unfinished = new Map<string, CommandState>();
  readonly #finished = new Map<string, CommandState>();
  readonly #accepting = new Map<string, Promise<void>>();
  readonly #waiters = new Map<string, Waiter[]>();
  readonly #retention: number;
  readonly #view: (command: CommandState) => CommandView;

  constructor(retention: number, view: (command: CommandState) => CommandView) {
    this.#retention = retention;
    this.#view = view;
  }

  /** Unfinished Commands: what counts against `maxCmds`. */
  get unfinished(): number {
    return this.#unfinished.size;
  }

  /** An unfinished Command. */
  running(id: string): CommandState | undefined {
    return this.#unfinished.get(id);
  }

  /** A Command known here, unfinished or retained. */
  known(id: string): CommandState | undefined {
    return this.#unfinished.get(id) ?? this.#finished.get(id);
  }

  /** The accepted record of `id` being appended now, if it is. */
  accepting(id: string): Promise<void> | undefined {
    return this.#accepting.get(id);
  }

  /** Registers a new Command while its accepted record is appended; `durable` settles then. */
  accept(command: CommandState, durable: Promise<void>): void {
    this.#unfinished.set(command.id, command);
    this.#accepting.set(command.id, durable);
    const settled = () => {
      if (this.#accepting.get(command.id) === durable) this.#accepting.delete(command.id);
    };
    durable.then(settled, settled);
  }

  /** A recovered unfinished Command. */
  add(command: CommandState): void {
    this.#unfinished.set(command.id, command);
  }

  /** Forgets a Command whose accepted record could not be appended. */
  remove(id: string): void {
    this.#unfinished.delete(id);
  }

  /**
   * A Command finished: it is retained and its waiters get its view. Returns the Command that
   * retention evicted (it no longer pins its partition's checkpoint), if any.
   */
  finish(command: CommandState): CommandState | undefined {
    this.#unfinished.delete(command.id);
    const evicted = this.retain(command);
    const waiters = this.#waiters.get(command.id);
    if (waiters) {
      this.#waiters.delete(command.id);
      const view = this.#view(command);
      for (const waiter of waiters) waiter.resolve(view);
    }
    return evicted;
  }

  /**
   * Keeps a finished Command known; returns the one evicted to make room (or `command` itself
   * when nothing is retained).
   */
  retain(command: CommandState): CommandState | undefined {
    if (this.#retention === 0) return command;
    this.#finished.set(command.id, command);
    if (this.#finished.size <= this.#retention) return undefined;
    const oldest = this.#finished.values().next().value;
    if (oldest !== undefined) this.#finished.delete(oldest.id);
    return oldest;
  }

  /** Resolves with the Command's view once it is done. @throws `UNKNOWN_COMMAND`. */
  whenDone(id: string): Promise<CommandView> {
    const done = this.#finished.get(id);
    if (done) return Promise.resolve(this.#view(done));
    if (!this.#unfinished.has(id)) {
      return Promise.reject(new CoordinatorError('UNKNOWN_COMMAND', `No Command with id ${id}`));
    }
    return new Promise((resolve, reject) => {
      const list = this.#waiters.get(id) ?? [];
      list.push({ resolve, reject });
      this.#waiters.set(id, list);
    });
  }

  /**
   * Commands matching the filter, unfinished ones first, each group newest first, one page at a
   * time: `next` is the cursor of the page after (a Command that finishes between two pages moves
   * to the other group, so it may be shown twice or not at all).
   */
  list(filter: CommandFilter, servicesOf: (type: string) => readonly string[]): CommandPage {
    const limit = filter.limit ?? 100;
    const matches = (command: CommandState) =>
      (filter.state === undefined || command.current.state === filter.state) &&
      (filter.type === undefined || command.type === filter.type) &&
      (filter.idPrefix === undefined || command.id.startsWith(filter.idPrefix)) &&
      (filter.service === undefined || servicesOf(command.type).includes(filter.service)) &&
      (filter.since === undefined || command.acceptedAt >= filter.since) &&
      (filter.until === undefined || command.acceptedAt < filter.until);
    const keyed: { key: string; command: CommandState }[] = [];
    for (const source of [this.#unfinished, this.#finished]) {
      for (const command of source.values()) {
        if (!matches(command)) continue;
        const { id, acceptedAt } = command;
        keyed.push({ key: listCursor({ state: command.current.state, acceptedAt, id }), command });
      }
    }
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const start =
      filter.after === undefined ? 0 : keyed.findIndex((k) => k.key > (filter.after as string));
    const page = start < 0 ? [] : keyed.slice(start, start + limit);
    const last = page.at(-1);
    return {
      commands: page.map((k) => this.#view(k.command)),
      ...(last && start + limit < keyed.length ? { next: last.key } : {}),
    };
  }

  /** Known Commands per type and machine state key. */
  stateCounts(): Record<string, Record<string, number>> {
    const counts: Record<string, Record<string, number>> = {};
    for (const source of [this.#unfinished, this.#finished]) {
      for (const command of source.values()) {
        const byKey = counts[command.type] ?? {};
        counts[command.type] = byKey;
        byKey[command.current.key] = (byKey[command.current.key] ?? 0) + 1;
      }
    }
    return counts;
  }

  /**
   * Forgets every Command of a partition that moved away; their waiters get `NOT_OWNER`.
   * Returns the ids forgotten.
   */
  dropPartition(partition: number): string[] {
    const dropped: string[] = [];
    for (const source of [this.#unfinished, this.#finished]) {
      for (const [id, command] of source) {
        if (command.partition !== partition) continue;
        source.delete(id);
        dropped.push(id);
        const waiters = this.#waiters.get(id);
        this.#waiters.delete(id);
        const error = new CoordinatorError(
          'NOT_OWNER',
          `Partition ${partition} moved to another node; ask any node for Command ${id}`,
        );
        for (const waiter of waiters ?? []) waiter.reject(error);
      }
    }
    return dropped;
  }
}
