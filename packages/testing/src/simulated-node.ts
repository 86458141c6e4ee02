// Longer than ~300 lines: the API a user drives a simulated node with (submit, send, cancel,
// retryNow, operate, advance, settle, crash, run) is one class over one state, the node's current
// incarnation, which every method reads and a crash replaces; its boot is in node-incarnation.ts.
import {
  type CommandType,
  type CommandView,
  CoordinatorError,
  type CoordinatorOptions,
  type Driver,
  type Submission,
  type SubmitResult,
  toErrorData,
} from '@coordinator/core';
import {
  MemoryEventLog,
  SeededRandom,
  SequentialIds,
  SimulatedClock,
} from '@coordinator/core/testing';
import { CrashPoints } from './crashable-log.js';
import { executionScope, type Incarnation } from './execution-scope.js';
import type { FaultKind } from './fault-schedule.js';
import { instrumentReceiver } from './instrumented-receiver.js';
import { instrument } from './instrumented-type.js';
import { resolvedOptions } from './kit-options.js';
import { bootIncarnation, type Life, type NodeParts } from './node-incarnation.js';
import type { OperatorRequest, ScheduledAction } from './operator-action.js';
import { OperatorDesk, type OperatorSource } from './operator-desk.js';
import type { Run, SubmittedCommand } from './run.js';
import { RunRecorder } from './run-recorder.js';
import type { FaultSource } from './service-call.js';

export interface SimulatedNodeConfig<Rcv> {
  /** The Command types it runs. */
  readonly types: readonly CommandType<Rcv>[];
  /** Your receiver (in-memory fakes of your services): it outlives the node's crashes. */
  readonly receiver: Rcv;
  /** Driver options over {@link kitOptions}. */
  readonly options?: Partial<CoordinatorOptions>;
  /** The fault of each service call, in call order (past the end: `ok`), or a function of the
   * call. @default none */
  readonly faults?: readonly FaultKind[] | FaultSource;
  /** The node crashes once the log holds this many records, and restarts from the log. */
  readonly crashes?: readonly number[];
  /** Operator actions: at virtual times, or during a Command's own service calls (by its call
   * number, from 0), or a function of each call. @default none */
  readonly operator?: readonly ScheduledAction[] | OperatorSource;
  /** Seeds the retry jitter. @default 1 */
  readonly seed?: number;
}

/** A submission to a node; `type` may be left out when the node runs one Command type. */
export type NodeSubmission = Omit<Submission, 'type'> & { readonly type?: string };

function faultSourceOf(faults: SimulatedNodeConfig<unknown>['faults']): FaultSource {
  if (typeof faults === 'function') return faults;
  const list = faults ?? [];
  return (site) => list[site.index] ?? 'ok';
}

function retryable(error: unknown): boolean {
  return (error as { retryable?: unknown }).retryable === true;
}

/**
 * A coordinator node in memory: the real Driver on the in-memory log, virtual time and your
 * receiver, with faults injected at service calls and crashes at record boundaries (the node
 * dies, its timers and calls stop, and a new incarnation recovers from the log). It records a
 * timeline of everything; `run()` hands it to the invariants.
 *
 * @example
 * const node = await SimulatedNode.start({ types: [orderSaga], receiver: fakes(), faults: ['ok', 'delayed'] });
 * node.send({ id: 'o-1', payload: { sku: 'A-1', qty: 1, amount: 5 } });
 * await node.advance(5_000);
 * await checkRun(node.run());
 */
export class SimulatedNode<R> {
  /** Virtual time, from 0; it only moves in `advance` and `settle`. */
  readonly clock = new SimulatedClock(0);
  readonly options: CoordinatorOptions;
  readonly types: readonly CommandType<R>[];
  readonly receiver: R;
  readonly #recorder: RunRecorder;
  readonly #parts: NodeParts;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #submitted = new Map<string, SubmittedCommand>();
  readonly #desk: OperatorDesk;
  #storage = new MemoryEventLog();
  #life: Life | undefined;
  #booting: Promise<void> | undefined;

  private constructor(config: SimulatedNodeConfig<R>) {
    this.options = resolvedOptions(config.options);
    this.types = config.types;
    this.receiver = config.receiver;
    this.#recorder = new RunRecorder(this.clock, faultSourceOf(config.faults));
    this.#parts = {
      clock: this.clock,
      recorder: this.#recorder,
      crashes: new CrashPoints(config.crashes ?? []),
      random: new SeededRandom(config.seed ?? 1),
      ids: new SequentialIds(),
      types: config.types.map((t) => instrument(t as CommandType<unknown>)),
      receiver: instrumentReceiver(config.receiver, this.#recorder.call),
      options: this.options,
      die: (incarnation) => this.#die(incarnation),
    };
    this.#desk = new OperatorDesk(
      this.#recorder,
      () => this.#current,
      (p) => this.#track(p),
    );
    this.#recorder.beforeCall = this.#desk.during(config.operator, (r, ms) => this.operate(r, ms));
    for (const a of Array.isArray(config.operator) ? config.operator : []) {
      if (a.call === undefined) this.operate(a, a.at ?? 0);
    }
  }

  /** A node started (its log recovered) and ready for Commands. */
  static async start<R>(config: SimulatedNodeConfig<R>): Promise<SimulatedNode<R>> {
    const node = new SimulatedNode(config);
    await node.#boot(1);
    return node;
  }

  /** The running incarnation's Driver (`status()`, `list()`...; submit through the node, so
   * that the timeline sees it). */
  get driver(): Driver<unknown> {
    return this.#current.driver;
  }

  /** 1, then +1 for each restart after a crash. */
  get incarnation(): number {
    return this.#current.incarnation.number;
  }

  /**
   * Submits once, as the Driver does (it throws what the Driver throws), then lets everything due
   * now happen. Recorded in the timeline.
   */
  async submit(submission: NodeSubmission): Promise<SubmitResult> {
    const result = await this.#submit(submission);
    await this.#quiet();
    return result;
  }

  /**
   * A client that submits after `delayMs` and, refused with a retryable code (`SUSPENDED`,
   * `OVERLOADED`, a crash), submits the same id again after the slow interval, until accepted.
   */
  send(submission: NodeSubmission & { readonly id: string }, delayMs = 0): void {
    const typed = { ...submission, type: submission.type ?? this.#defaultType() };
    this.#remember(typed.id, typed);
    const attempt = () => {
      this.#submit(typed).catch((error: unknown) => {
        if (retryable(error)) this.clock.setTimer(attempt, this.options.slowRetryIntervalMs);
      });
    };
    this.clock.setTimer(attempt, delayMs);
  }

  /**
   * An operator's cancel, as the Driver takes it (it throws what the Driver throws: `WRONG_STATE`
   * for a Command that finished otherwise or compensates already, `CLOSED` when the node died
   * meanwhile), then lets everything due now happen (a node that died restarts). A cancelled saga compensates its completed steps and ends `CANCELLED`; a code body
   * ends at its next step. Recorded in the timeline.
   */
  async cancel(id: string): Promise<CommandView> {
    try {
      return await this.#desk.act({ action: 'cancel', id });
    } finally {
      await this.#quiet();
    }
  }

  /**
   * An operator's retry now: a delayed or blocked Command runs its next attempt at once (a Command
   * running already is left as it is); then lets everything due now happen. It throws what the
   * Driver throws. Recorded in the timeline.
   */
  async retryNow(id: string): Promise<CommandView> {
    try {
      return await this.#desk.act({ action: 'retry-now', id });
    } finally {
      await this.#quiet();
    }
  }

  /**
   * An operator action made after `delayMs` (`twice`: made again right after its answer); its
   * answer, or refusal, is in the timeline.
   */
  operate(request: OperatorRequest, delayMs = 0): void {
    this.clock.setTimer(() => {
      this.#desk.act(request).catch(() => undefined);
    }, delayMs);
  }

  /** Moves virtual time forward by `ms`, letting everything due on the way happen. */
  async advance(ms: number): Promise<void> {
    const until = this.clock.now() + ms;
    for (;;) {
      await this.#quiet();
      const next = this.clock.nextAt();
      if (next === undefined || next > until) break;
      this.clock.fireNext();
    }
    this.clock.advance(until - this.clock.now());
  }

  /**
   * Runs until nothing is left to do, or `maxMs` of virtual time have passed (a Command that
   * never ends keeps retrying: bound it then). Returns true when nothing is left.
   */
  async settle(maxMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    const start = this.clock.now();
    for (;;) {
      await this.#quiet();
      const next = this.clock.nextAt();
      if (next === undefined) return true;
      if (next - start > maxMs) return false;
      this.clock.fireNext();
    }
  }

  /** Crashes the node now (nothing more is written or called) and restarts it from the log. */
  async crash(): Promise<void> {
    this.#die(this.#current.incarnation);
    await this.#quiet();
  }

  /** A Command as the running incarnation knows it. */
  get(id: string): CommandView | undefined {
    return this.#current.driver.get(id);
  }

  /** What happened so far, for the invariants and your own checks. */
  run(): Run<R> {
    const recorder = this.#recorder;
    const submitted = [...this.#submitted.values()];
    const entries = [...recorder.entries];
    return {
      types: this.types,
      receiver: this.receiver,
      options: this.options,
      submitted,
      commands: submitted.flatMap(({ id }) => this.get(id) ?? []),
      records: entries.flatMap((e) =>
        e.kind === 'record' ? [{ position: e.position, record: e.record }] : [],
      ),
      calls: [...recorder.calls],
      attempts: [...recorder.attempts],
      entries,
      violations: [...recorder.violations],
      settled: this.clock.nextAt() === undefined,
    };
  }

  get #current(): Life {
    if (!this.#life) throw new Error('The simulated node has not started');
    return this.#life;
  }

  #defaultType(): string {
    const [only, ...others] = this.types;
    if (!only || others.length > 0) {
      throw new CoordinatorError(
        'INVALID_OPTION',
        'This simulated node runs several Command types: give the submission a `type`',
      );
    }
    return only.type;
  }

  #submit(submission: NodeSubmission): Promise<SubmitResult> {
    const life = this.#current;
    const type = submission.type ?? this.#defaultType();
    const { id, payload } = submission;
    const entry = this.#recorder.submitted(life.incarnation, id ?? '(new id)', payload);
    if (id !== undefined) this.#remember(id, { type, payload });
    const answer = executionScope.run(life.scope, () =>
      life.driver.submit({ ...submission, type }),
    );
    return this.#track(
      answer.then(
        (result) => {
          entry.answer = result.existing ? 'existing' : 'accepted';
          this.#remember(result.id, { type, payload });
          return result;
        },
        (error: unknown) => {
          entry.answer = toErrorData(error).code;
          throw error;
        },
      ),
    );
  }

  #remember(id: string, { type, payload }: { type: string; payload: unknown }): void {
    if (!this.#submitted.has(id)) this.#submitted.set(id, { id, type, payload });
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    this.#inFlight.add(promise);
    const forget = () => this.#inFlight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  /** Lets everything started so far finish; restarts a node that crashed meanwhile. */
  async #quiet(): Promise<void> {
    for (;;) {
      if (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
      const life = this.#current;
      await life.driver.idle();
      if (life.incarnation.dead) {
        this.#booting ??= this.#boot(life.incarnation.number + 1).finally(() => {
          this.#booting = undefined;
        });
        await this.#booting;
        continue;
      }
      if (this.#inFlight.size === 0) return;
    }
  }

  #die(incarnation: Incarnation): void {
    if (incarnation.dead) return;
    incarnation.dead = true;
    if (this.#life?.incarnation === incarnation) this.#life.clock.stop();
    this.#recorder.crashed(incarnation, this.#parts.crashes.written);
  }

  async #boot(number: number): Promise<void> {
    if (number > 1) this.#storage = this.#storage.reopen();
    await bootIncarnation(number, this.#storage, this.#parts, (life) => {
      this.#life = life;
    });
  }
}
