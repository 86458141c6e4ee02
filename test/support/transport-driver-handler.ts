import type { CommandFilter, Driver, Submission } from '@coordinator/core';
import type { CommandDetails, CommandHandler, HandlerStatus } from '@coordinator/transport';

/** The core `Driver` as the transport's `CommandHandler`: what the node does, in a few lines. */
export class DriverHandler<Rcv> implements CommandHandler {
  readonly #driver: Driver<Rcv>;

  constructor(driver: Driver<Rcv>) {
    this.#driver = driver;
  }

  submit(submission: Submission) {
    return this.#driver.submit(submission);
  }

  get(id: string): CommandDetails | undefined {
    return this.#driver.get(id);
  }

  list(filter: CommandFilter): CommandDetails[] {
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
    const { ready, inFlight, waiting, suspension } = this.#driver.status();
    return { ready, detail: { inFlight, waiting, suspension } };
  }
}
