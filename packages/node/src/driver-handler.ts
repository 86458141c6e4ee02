import type { CommandFilter, Driver, Submission, SubmitResult } from '@coordinator/core';
import type { CommandDetails, CommandHandler, HandlerStatus } from '@coordinator/transport';

/** The transport's `CommandHandler`, served by the core `Driver`. */
export class DriverHandler implements CommandHandler {
  readonly #driver: Driver<unknown>;
  readonly #detail: () => Readonly<Record<string, unknown>>;
  #closing = false;

  constructor(
    driver: Driver<unknown>,
    detail: () => Readonly<Record<string, unknown>> = () => ({}),
  ) {
    this.#driver = driver;
    this.#detail = detail;
  }

  /** From now on `/readyz` answers 503 (a load balancer stops sending work). */
  closing(): void {
    this.#closing = true;
  }

  submit(submission: Submission): Promise<SubmitResult> {
    return this.#driver.submit(submission);
  }

  get(id: string): CommandDetails | undefined {
    return this.#driver.get(id);
  }

  list(filter: CommandFilter): readonly CommandDetails[] {
    return this.#driver.list(filter);
  }

  whenDone(id: string, signal: AbortSignal): Promise<CommandDetails> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const abort = () => reject(signal.reason);
      signal.addEventListener('abort', abort, { once: true });
      this.#driver.whenDone(id).then(
        (view) => {
          signal.removeEventListener('abort', abort);
          resolve(view);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', abort);
          reject(error);
        },
      );
    });
  }

  status(): HandlerStatus {
    const status = this.#driver.status();
    return {
      ready: status.ready && !this.#closing,
      detail: {
        suspension: status.suspension,
        inFlight: status.inFlight,
        waiting: status.waiting,
        maxCmds: status.maxCmds,
        ...this.#detail(),
      },
    };
  }
}
