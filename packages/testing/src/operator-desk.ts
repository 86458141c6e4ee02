import { type CommandView, type Driver, toErrorData } from '@coordinator/core';
import { type ExecutionScope, executionScope, type Incarnation } from './execution-scope.js';
import type { OperatorRequest, ScheduledAction } from './operator-action.js';
import type { RunRecorder } from './run-recorder.js';
import type { CallSite } from './service-call.js';

/**
 * The operator actions to make while a service call is in flight (racing its step), or, with
 * `afterMs`, that long after it (once its step ended).
 */
export type OperatorSource = (
  site: CallSite,
) => readonly (OperatorRequest & { readonly afterMs?: number })[];

/** The incarnation a simulated node runs now. */
interface Live {
  readonly incarnation: Incarnation;
  readonly scope: ExecutionScope;
  readonly driver: Driver<unknown>;
}

/** Where a simulated node's operator acts: on its running Driver, each action in the timeline. */
export class OperatorDesk {
  readonly #recorder: RunRecorder;
  readonly #current: () => Live;
  readonly #track: <T>(promise: Promise<T>) => Promise<T>;

  constructor(
    recorder: RunRecorder,
    current: () => Live,
    track: <T>(promise: Promise<T>) => Promise<T>,
  ) {
    this.#recorder = recorder;
    this.#current = current;
    this.#track = track;
  }

  /** Makes an action on the running incarnation, recorded with its answer (`twice`: again, once
   * answered). */
  act(request: OperatorRequest): Promise<CommandView> {
    const once = (repeat: boolean) => {
      const life = this.#current();
      const { action, id } = request;
      const entry = this.#recorder.operated(life.incarnation, action, id, repeat);
      const answer = executionScope.run(life.scope, () =>
        action === 'cancel' ? life.driver.cancel(id) : life.driver.retryNow(id),
      );
      return answer.then(
        (view) => {
          entry.answer = `ok (${view.state})`;
          return view;
        },
        (error: unknown) => {
          entry.answer = toErrorData(error).code;
          throw error;
        },
      );
    };
    const first = once(false);
    return this.#track(request.twice ? first.then(() => once(true)) : first);
  }

  /**
   * What to do before each service call: the actions `operator` makes during it (the call goes on
   * once they are answered); those it makes later go to `later`.
   */
  during(
    operator: readonly ScheduledAction[] | OperatorSource | undefined,
    later: (request: OperatorRequest, delayMs: number) => void,
  ): (site: CallSite) => Promise<unknown> | undefined {
    const source = sourceOf(operator);
    return (site) => {
      const requests = source(site);
      if (requests.length === 0) return undefined;
      const now = requests.filter((r) => r.afterMs === undefined);
      for (const r of requests) if (r.afterMs !== undefined) later(r, r.afterMs);
      if (now.length === 0) return undefined;
      return Promise.all(now.map((r) => this.act(r).catch(() => undefined)));
    };
  }
}

/** A schedule's actions during calls: each at its Command's own call number `call`. */
function sourceOf(
  operator: readonly ScheduledAction[] | OperatorSource | undefined,
): OperatorSource {
  if (typeof operator === 'function') return operator;
  const during = (operator ?? []).filter((a) => a.call !== undefined);
  const calls = new Map<string, number>();
  return (site) => {
    const id = site.attempt.commandId;
    const n = calls.get(id) ?? 0;
    calls.set(id, n + 1);
    return during.filter((a) => a.id === id && a.call === n);
  };
}
