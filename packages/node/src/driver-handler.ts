import { randomUUID } from 'node:crypto';
import type { OutcomePage, OutcomeQuery, OutcomeReader } from '@coordinator/core';
import {
  type CommandFilter,
  type CommandPage,
  type CommandType,
  type CommandView,
  CoordinatorError,
  type Driver,
  listCursor,
  partitionOf,
  type Submission,
  type SubmitResult,
  toErrorData,
} from '@coordinator/core';
import type {
  ChartFormat,
  CommandHandler,
  CommandResult,
  CommandTypeInfo,
  HandlerStatus,
} from '@coordinator/transport';
import { finalResult } from '@coordinator/transport';
import type { PeerRouter } from './peer-router.js';

/**
 * The transport's `CommandHandler`, served by the core `Driver`. With a `PeerRouter` (a cluster),
 * Commands of partitions this node does not own go to their owner, and so do lookups of ids this
 * node does not know.
 */
export class DriverHandler implements CommandHandler {
  readonly #driver: Driver;
  readonly #types: ReadonlyMap<string, CommandType>;
  readonly #nodeId: string;
  readonly #router: PeerRouter | undefined;
  readonly #outcomes: OutcomeReader | undefined;
  readonly #charts = new Map<string, Promise<string>>();
  #closing = false;

  constructor(
    driver: Driver,
    types: readonly CommandType<never>[],
    nodeId: string,
    router?: PeerRouter,
    outcomes?: OutcomeReader,
  ) {
    this.#driver = driver;
    this.#types = new Map(types.map((t) => [t.type, t as CommandType]));
    this.#nodeId = nodeId;
    this.#router = router;
    this.#outcomes = outcomes;
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
      return router.submit(withId, this.#partitionOf(withId));
    }
  }

  /** The partition of a submission (so that it goes to its known owner), if it has one. */
  #partitionOf(submission: Submission): number | undefined {
    const type = this.#types.get(submission.type);
    if (!type) return undefined;
    try {
      const payload = type.validate(submission.payload);
      return partitionOf(type.routingKey(payload), this.#driver.options.partitions);
    } catch {
      return undefined; // the owner refuses it with the reason
    }
  }

  async get(id: string): Promise<CommandView | undefined> {
    return this.#driver.get(id) ?? (await this.#router?.get(id));
  }

  /** This node's page; in a cluster merged with every peer's, in the one list order. */
  async list(filter: CommandFilter): Promise<CommandPage> {
    const own = this.#driver.list(filter);
    if (!this.#router) return own;
    const limit = filter.limit ?? 100;
    const pages = [own.commands, ...(await this.#router.listAll(filter))];
    const merged = pages
      .flat()
      .map((view) => ({ view, key: listCursor(view) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const page = merged.slice(0, limit);
    const more =
      merged.length > limit || own.next !== undefined || pages.some((p) => p.length >= limit);
    const last = page.at(-1);
    return { commands: page.map((m) => m.view), ...(more && last ? { next: last.key } : {}) };
  }

  async retryNow(id: string): Promise<CommandView> {
    return this.#act('retry', id);
  }

  async cancel(id: string): Promise<CommandView> {
    return this.#act('cancel', id);
  }

  /** On this node when it knows the Command, else on the peer that does. */
  async #act(action: 'retry' | 'cancel', id: string): Promise<CommandView> {
    try {
      return action === 'retry' ? await this.#driver.retryNow(id) : await this.#driver.cancel(id);
    } catch (error) {
      if (!this.#router || toErrorData(error).code !== 'UNKNOWN_COMMAND') throw error;
      return this.#router.act(action, id);
    }
  }

  /**
   * A page of the service's archived Outcomes. A service no Command type calls is unknown unless
   * the archive holds Outcomes of it (a type removed since); with no archive (every retention
   * `none`) a known service has none.
   */
  async outcomes(query: OutcomeQuery): Promise<OutcomePage> {
    const reader = this.#outcomes;
    const called = [...this.#types.values()].some((t) => t.services.includes(query.service));
    if (!called && !(reader && (await reader.services()).includes(query.service))) {
      throw new CoordinatorError(
        'UNKNOWN_SERVICE',
        `No Command type of this node calls a service ${JSON.stringify(query.service)}, and no Outcome of it is archived`,
      );
    }
    if (!reader) return { items: [], next: null, retention: { complete: false, oldest: null } };
    return reader.read(query);
  }

  types(): readonly CommandTypeInfo[] {
    return [...this.#types.values()].map((t) => ({
      type: t.type,
      kind: t.kind,
      services: t.services,
      ...(t.kind === 'saga'
        ? {
            steps: t.steps.map((s) => ({
              name: s.name,
              service: s.service,
              compensates: s.compensate !== undefined,
            })),
          }
        : {}),
    }));
  }

  /** Drawn once per type and format (ELK and its layout are loaded on the first chart). */
  chart(type: string, format: ChartFormat): Promise<string> {
    const commandType = this.#types.get(type);
    if (!commandType) {
      return Promise.reject(
        new CoordinatorError(
          'UNKNOWN_COMMAND',
          `This node runs no Command type ${JSON.stringify(type)}`,
        ),
      );
    }
    const key = `${format}:${type}`;
    let chart = this.#charts.get(key);
    if (!chart) {
      chart = renderChart(commandType, format);
      this.#charts.set(key, chart);
    }
    return chart;
  }

  async inspect(): Promise<Readonly<Record<string, unknown>>> {
    const status = this.#driver.status();
    const own = {
      nodeId: this.#nodeId,
      ...status,
      ready: status.ready && !this.#closing,
      counts: this.#driver.stateCounts(),
    };
    if (!this.#router) return own;
    return { ...own, peers: await this.#router.inspectAll() };
  }

  async resultWhenDone(id: string, signal: AbortSignal): Promise<CommandResult> {
    if (this.#router && this.#driver.get(id) === undefined && this.#router.forwarded(id)) {
      return this.#router.result(id, signal);
    }
    return finalResult(await this.whenDone(id, signal));
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
        node: this.#nodeId,
        owned: status.partitions.map((p) => p.partition),
      },
    };
  }
}

async function renderChart(commandType: CommandType, format: ChartFormat): Promise<string> {
  const { renderChart: render } = await import('@coordinator/inspector');
  return render(commandType.machine, format);
}
