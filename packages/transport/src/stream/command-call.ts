import type { CommandResult } from '../command-handler.js';

/**
 * The replies of one request as they arrive; the client feeds it, `CommandCall` reads it. Not
 * exported from the package.
 */
export class CallState<T = CommandResult> {
  readonly replies: T[] = [];
  done = false;
  failed = false;
  error: unknown;
  /** Checks still watching; most requests have one (their `result`), so no Set. */
  #checks: (() => boolean)[] = [];

  push(reply: T, last: boolean): void {
    if (this.done) return;
    this.replies.push(reply);
    if (last) this.done = true;
    this.#notify();
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.failed = true;
    this.error = error;
    this.#notify();
  }

  /** Runs `check` now and after every change until it returns true. */
  watch(check: () => boolean): void {
    if (!check()) this.#checks.push(check);
  }

  #notify(): void {
    const checks = this.#checks;
    if (checks.length === 0) return;
    let kept = 0;
    for (let i = 0; i < checks.length; i++) {
      const check = checks[i] as () => boolean;
      if (!check()) checks[kept++] = check;
    }
    checks.length = kept;
  }
}

/**
 * One submitted Command's replies: `accepted` once it is durable, `result` when it is done, or
 * every reply in order by iterating. A refused submission or a lost connection rejects (and ends
 * the iteration) with a `CoordinatorError`; after `CONNECTION_LOST`, resubmit with the same `id`.
 *
 * @example
 * const call = client.submit({ type: 'order', payload });
 * for await (const reply of call) console.log(reply.state);
 */
export class CommandCall implements AsyncIterable<CommandResult> {
  /** The Command id (chosen by the client when the submission had none). */
  readonly id: string;
  readonly #state: CallState;
  #result: Promise<CommandResult> | undefined;
  #accepted: Promise<CommandResult> | undefined;

  constructor(id: string, state: CallState) {
    this.id = id;
    this.#state = state;
  }

  /** The final reply: the Command done (with its result or error), or only accepted if so asked. */
  get result(): Promise<CommandResult> {
    const state = this.#state;
    this.#result ??= this.#when(() =>
      state.done && !state.failed ? state.replies.at(-1) : undefined,
    );
    return this.#result;
  }

  /** The first reply: the Command is durable. */
  get accepted(): Promise<CommandResult> {
    this.#accepted ??= this.#when(() => this.#state.replies[0]);
    return this.#accepted;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<CommandResult> {
    const state = this.#state;
    let next = 0;
    for (;;) {
      await new Promise<void>((resolve) =>
        state.watch(() => {
          const ready = next < state.replies.length || state.done;
          if (ready) resolve();
          return ready;
        }),
      );
      while (next < state.replies.length) yield state.replies[next++] as CommandResult;
      if (state.done) {
        if (state.failed) throw state.error;
        return;
      }
    }
  }

  #when(pick: () => CommandResult | undefined): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      this.#state.watch(() => {
        const value = pick();
        if (value !== undefined) resolve(value);
        else if (this.#state.failed) reject(this.#state.error);
        else return false;
        return true;
      });
    });
  }
}
