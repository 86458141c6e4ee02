import type {
  CommandFilter,
  CommandPage,
  CommandView,
  ErrorData,
  LifecycleState,
  OutcomePage,
  OutcomeQuery,
  Submission,
  SubmitResult,
} from '@coordinator/core';

/** What the servers report about the node behind them. */
export interface HandlerStatus {
  /** True once recovery is done and the node takes new Commands: `/readyz` answers 200. */
  readonly ready: boolean;
  /** Extra facts shown by `/healthz` and `/readyz` (must be JSON-serialisable). */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/**
 * The port both servers (stream and HTTP) call: the node implements it with its `Driver`; tests
 * use `MemoryCommandHandler` from `@coordinator/transport/testing`.
 */
export interface CommandHandler {
  /**
   * Accepts a Command; resolves once it is durable. A resubmit with a known id resolves with the
   * existing Command (`existing: true`) and runs nothing.
   * @throws CoordinatorError `UNKNOWN_COMMAND`, `INVALID_PAYLOAD`, `NOT_READY`, `SUSPENDED`,
   * `OVERLOADED`, `NOT_OWNER` or `CLOSED`.
   */
  submit(submission: Submission): Promise<SubmitResult>;
  /** One Command, or undefined when the node does not know the id. */
  get(id: string): CommandView | undefined | Promise<CommandView | undefined>;
  /** One page of the Commands matching the filter (see `listCursor` for the order). */
  list(filter: CommandFilter): CommandPage | Promise<CommandPage>;
  /**
   * Resolves with the Command once it is done. Must stop waiting and reject with the signal's
   * reason when `signal` aborts (a client went away, a `wait` ran out).
   * @throws CoordinatorError `UNKNOWN_COMMAND` for an unknown id.
   */
  whenDone(id: string, signal: AbortSignal): Promise<CommandView>;
  /**
   * Only the final result of `whenDone`, which is all the stream protocol's final reply carries;
   * a handler may answer it more cheaply (a cluster node relays a forwarded Command's result from
   * its owner's reply, without asking the owner for the details). Optional: the stream server
   * falls back to `whenDone`.
   */
  resultWhenDone?(id: string, signal: AbortSignal): Promise<CommandResult>;
  status(): HandlerStatus;
  /**
   * An operator's retry now: a delayed or blocked Command runs its next attempt at once.
   * @throws CoordinatorError `UNKNOWN_COMMAND`, `WRONG_STATE` (done).
   */
  retryNow(id: string): Promise<CommandView>;
  /**
   * An operator's cancel: a declared saga compensates its completed steps, a code body ends at
   * its next step; both end with `CANCELLED`. Idempotent.
   * @throws CoordinatorError `UNKNOWN_COMMAND`, `WRONG_STATE` (done, or compensating already).
   */
  cancel(id: string): Promise<CommandView>;
  /**
   * One page of a service's Outcomes kept for replay (`GET /v1/outcomes`), in log order.
   * @throws CoordinatorError `UNKNOWN_SERVICE` for a service no Command type calls and nothing
   * was archived for, `INVALID_CURSOR` for an `after` no page gave out.
   */
  outcomes(query: OutcomeQuery): Promise<OutcomePage>;
  /** The Command types this node runs. */
  types(): readonly CommandTypeInfo[];
  /**
   * What the inspector shows about the node (`GET /v1/node`): its suspension, load, retry queue,
   * partitions and Commands per machine state, and in a cluster its peers'.
   */
  inspect(): Promise<Readonly<Record<string, unknown>>>;
  /**
   * A Command type's machine: `svg` (drawn), `mermaid` (stateDiagram-v2) or `json` (the XState
   * machine definition).
   * @throws CoordinatorError `UNKNOWN_COMMAND` for a type the node does not run.
   */
  chart(type: string, format: ChartFormat): Promise<string>;
}

export type ChartFormat = 'svg' | 'mermaid' | 'json';

/** One Command type, as the inspector lists it. */
export interface CommandTypeInfo {
  readonly type: string;
  readonly kind: 'saga' | 'code';
  /** The services it calls. */
  readonly services: readonly string[];
  /** A declared saga's steps in order. */
  readonly steps?: readonly { name: string; service: string; compensates: boolean }[];
}

/** What a client is told about a submitted Command: interim while it runs, final once done. */
export interface CommandResult {
  readonly id: string;
  readonly state: LifecycleState;
  /** On the answer to a submit: true when the id was already known. */
  readonly existing?: boolean;
  /** When done without error; `null` when the body returned nothing. */
  readonly result?: unknown;
  /** When done with a terminal error. */
  readonly error?: ErrorData;
}

/** The final result of a done Command. */
export function finalResult(view: CommandView): CommandResult {
  return view.error !== undefined
    ? {
        id: view.id,
        state: view.state,
        error: { code: view.error.code, message: view.error.message },
      }
    : { id: view.id, state: view.state, result: view.result ?? null };
}
