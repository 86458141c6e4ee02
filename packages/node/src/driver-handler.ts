import { randomUUID } from 'node:crypto';
import {
  type CommandFilter,
  type CommandView,
  type Driver,
  type Submission,
  type SubmitResult,
  toErrorData,
} from '@coordinator/core';
import type { CommandHandler, HandlerStatus } from '@coordinator/transport';
import type { PeerRouter } from './peer-router.js';

/**
 * The transport's `CommandHandler`, served by the core `Driver`. With a `PeerRouter` (a cluster),
 * Commands of partitions this node does not own go to their owner, and so do lookups of ids this
 * node does not know.
 */
export class DriverHandler implements CommandHandler {
  readonly #driver: Driver<unknown>;
  readonly #detail: () => Readonly<Record<string, unknown>>;
  readonly #router: PeerRouter | undefined;
  #closing = false;

  constructor(
    driver: Driver<unknown>,
    detail: () => Readonly<Record<string, unknown>> = () => ({}),
    router?: PeerRouter,
  ) {
    this.#driver = driver;
    this.#detail = detail;
    this.#router = router;
  }

  /** From now on `/readyz` answers 503 (a load balancer stops sending work). */
  closing(): void {
    this.#closing = true;
  }

  async submit(submission: Submission): Promise<SubmitResult> {
    const router = this.#router;
    if (!router) return this.#driver.submit(submission);
    // The id is fixed here, so that a forward is as idempotent as a local submit.
    const withId = { ...submission, id: submission.id ?? randomUUID() };
    try {
      return await this.#driver.submit(withId);
    } catch (error) {
      if (toErrorData(error).code !== 'NOT_OWNER') throw error;
      return router.submit(withId);
    }
  }

  async get(id: string): Promise<CommandView | undefined> {
    return this.#driver.get(id) ?? (await this.#router?.get(id));
  }

  list(filter: CommandFilter): readonly CommandView[] {
    return this.#driver.list(filter);
  }

  whenDone(id: string, signal: AbortSignal): Promise<CommandView> {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.#router && this.#driver.get(id) === undefined && this.#router.forwarded(id)) {
      return this.#router.whenDone(id, signal);
    }
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
