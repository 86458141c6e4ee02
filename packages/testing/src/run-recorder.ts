// Longer than ~300 lines: everything one run records goes through this one recorder (submissions,
// driver events, crashes, each step attempt and each service call with its fault), so the
// timeline and the violations see every fact in the order it happened.
import {
  type Clock,
  type CoordinatorError,
  type CoordinatorEvent,
  type LogRecord,
  type StepInfo,
  toErrorData,
} from '@coordinator/core';
import type { Incarnation, LiveAttempt, StepAttempt } from './execution-scope.js';
import { executionScope } from './execution-scope.js';
import type { FaultKind } from './fault-schedule.js';
import { crashedError, injectedError } from './injected-fault.js';
import type { OperatorActionKind } from './operator-action.js';
import type { CallSite, FaultSource, ServiceCall } from './service-call.js';
import type { TimelineEntry } from './timeline.js';
import type { Violation } from './violation.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** An answer as it was given (a fake may change the object it returned later), if it copies. */
function copy(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}

/**
 * Everything one run of a simulated node records: the timeline, the step attempts, the service
 * calls with their faults, the durable records, and the violations seen as they happen (a
 * recorded step running again, a call outside a step).
 */
export class RunRecorder {
  readonly entries: TimelineEntry[] = [];
  readonly attempts: StepAttempt[] = [];
  readonly calls: ServiceCall[] = [];
  readonly violations: Violation[] = [];
  /** Made before a service call goes on (an operator's action racing the step), if it says so. */
  beforeCall: ((site: CallSite) => Promise<unknown> | undefined) | undefined;
  readonly #clock: Clock;
  readonly #faults: FaultSource;
  /** `<command id> <step>` → the position of its Outcome record. */
  readonly #outcomes = new Map<string, number>();
  /** `<target> <key>` of calls that reached their service. */
  readonly #effects = new Set<string>();

  constructor(clock: Clock, faults: FaultSource) {
    this.#clock = clock;
    this.#faults = faults;
  }

  /** A submission is made; set `answer` on what this returns once it is answered. */
  submitted(incarnation: Incarnation, id: string, payload: unknown): { answer?: string } {
    const entry: {
      kind: 'submit';
      at: number;
      incarnation: number;
      id: string;
      payload: unknown;
      answer?: string;
    } = { kind: 'submit', at: this.#clock.now(), incarnation: incarnation.number, id, payload };
    this.entries.push(entry);
    return entry;
  }

  /** An operator acts on a Command; set `answer` on what this returns once it is answered. */
  operated(
    incarnation: Incarnation,
    action: OperatorActionKind,
    id: string,
    repeat: boolean,
  ): { answer?: string } {
    const entry: Mutable<Extract<TimelineEntry, { kind: 'operator' }>> = {
      kind: 'operator',
      at: this.#clock.now(),
      incarnation: incarnation.number,
      action,
      id,
      ...(repeat ? { repeat } : {}),
    };
    this.entries.push(entry);
    return entry;
  }

  /** Records are durable at these positions. */
  appended(
    incarnation: Incarnation,
    records: readonly LogRecord[],
    positions: readonly number[],
  ): void {
    records.forEach((record, i) => {
      const position = positions[i] ?? -1;
      this.entries.push({
        kind: 'record',
        at: record.at,
        incarnation: incarnation.number,
        position,
        record,
      });
      if (record.kind === 'outcome') this.#outcomes.set(`${record.id} ${record.step}`, position);
    });
  }

  event(incarnation: Incarnation, event: CoordinatorEvent): void {
    const at = this.#clock.now();
    if (event.type === 'node.suspension') {
      this.entries.push({
        kind: 'suspension',
        at,
        incarnation: incarnation.number,
        state: event.state,
      });
    } else if (event.type === 'command.stalled' && !incarnation.dead) {
      const { id, error } = event;
      this.entries.push({ kind: 'stalled', at, incarnation: incarnation.number, id, error });
    }
  }

  /** A code body's step was refused before it ran (`CANCELLED`: the Command was cancelled). */
  refused(incarnation: Incarnation, step: string, id: string, error: unknown): void {
    const at = this.#clock.now();
    const refusal = toErrorData(error);
    this.entries.push({
      kind: 'refused',
      at,
      incarnation: incarnation.number,
      id,
      step,
      error: refusal,
    });
  }

  crashed(incarnation: Incarnation, records: number): void {
    this.entries.push({
      kind: 'crash',
      at: this.#clock.now(),
      incarnation: incarnation.number,
      records,
    });
  }

  restarted(incarnation: Incarnation, resumed: number): void {
    this.entries.push({
      kind: 'restart',
      at: this.#clock.now(),
      incarnation: incarnation.number,
      resumed,
    });
  }

  violate(violation: Violation, incarnation: number): void {
    this.violations.push(violation);
    this.entries.push({ kind: 'violation', at: this.#clock.now(), incarnation, violation });
  }

  /** A step (or compensation) starts running: checks it may, and tracks its calls. */
  beginStep(incarnation: Incarnation, info: StepInfo, service: string): LiveAttempt {
    const at = this.#clock.now();
    const attempt: LiveAttempt = {
      index: this.attempts.length,
      at,
      commandId: info.commandId,
      step: info.step,
      service,
      idempotencyKey: info.idempotencyKey,
      attempt: info.attempt,
      incarnation: incarnation.number,
      calls: 0,
    };
    this.attempts.push(attempt);
    this.entries.push({ kind: 'step', at, incarnation: incarnation.number, attempt });
    const where = { commandId: info.commandId, step: info.step, at };
    const recorded = this.#outcomes.get(`${info.commandId} ${info.step}`);
    if (recorded !== undefined) {
      this.violate(
        {
          invariant: 'no-rerun-after-outcome',
          message: `step ${info.step} of ${info.commandId} ran again (execution ${info.attempt}) although its Outcome is recorded at #${recorded}`,
          ...where,
        },
        incarnation.number,
      );
    }
    const key = `${info.commandId}:${info.step}`;
    if (info.idempotencyKey !== key) {
      this.violate(
        {
          invariant: 'same-key',
          message: `step ${info.step} of ${info.commandId} was given the idempotency key ${JSON.stringify(info.idempotencyKey)}, not ${JSON.stringify(key)}`,
          ...where,
        },
        incarnation.number,
      );
    }
    return attempt;
  }

  /**
   * The end of a step that made no call through the receiver: its fault is injected here, after
   * its work (and an operator acts here as during a call). Resolves with the error to fail it
   * with, if any.
   */
  async endWithoutCalls(attempt: LiveAttempt): Promise<CoordinatorError | undefined> {
    const { site, fault } = this.#decide(attempt, '(step)');
    const call = this.#record(attempt.commandId, '(step)', [], attempt, fault);
    call.reached = true;
    await this.beforeCall?.(site);
    return fault === 'ok' ? undefined : injectedError(fault, `step ${attempt.step}`, call.index);
  }

  /** The receiver's call handler: records the call and makes it, or fails it as scheduled. */
  readonly call = (target: string, args: readonly unknown[], invoke: () => unknown): unknown => {
    const scope = executionScope.getStore();
    if (scope?.commandId === undefined) return invoke();
    if (scope.incarnation.dead) return Promise.reject(crashedError());
    const { attempt, commandId } = scope;
    if (attempt === undefined) {
      const call = this.#record(commandId, target, args, undefined, 'ok');
      this.violate(
        {
          invariant: 'calls-in-steps',
          message: `${commandId} called ${target} outside ctx.step: the call has no idempotency key and its result is not recorded, so every retry makes it again`,
          commandId,
          at: call.at,
        },
        scope.incarnation.number,
      );
      return this.#through(call, invoke);
    }
    const { site, fault } = this.#decide(attempt, target);
    const call = this.#record(commandId, target, args, attempt, fault);
    const acting = this.beforeCall?.(site);
    if (!acting) return this.#make(call, invoke);
    return acting.then(() => {
      if (scope.incarnation.dead) throw crashedError();
      return this.#make(call, invoke);
    });
  };

  /** Makes a recorded call, or fails it with its fault. */
  #make(call: Mutable<ServiceCall>, invoke: () => unknown): unknown {
    const { fault, target, index } = call;
    if (fault === 'ok') return this.#through(call, invoke);
    if (fault !== 'timeout-after-effect')
      return Promise.reject(injectedError(fault, target, index));
    const lost = () => {
      throw injectedError(fault, target, index);
    };
    return new Promise((resolve) => resolve(this.#through(call, invoke))).then(lost, lost);
  }

  #decide(attempt: LiveAttempt, target: string): { site: CallSite; fault: FaultKind } {
    const site = { index: this.calls.length, attempt, callInAttempt: attempt.calls, target };
    attempt.calls += 1;
    const fault = this.#faults(site);
    // An idempotent service answers a key it already acted on with its first answer: it cannot
    // now refuse it for good, so a terminal fault there would be no fault a real service has.
    if (fault === 'terminal' && this.#effects.has(`${target} ${attempt.idempotencyKey}`)) {
      return { site, fault: 'ok' };
    }
    return { site, fault };
  }

  #record(
    commandId: string,
    target: string,
    args: readonly unknown[],
    attempt: StepAttempt | undefined,
    fault: FaultKind,
  ): Mutable<ServiceCall> {
    const call: Mutable<ServiceCall> = {
      index: this.calls.length,
      at: this.#clock.now(),
      commandId,
      ...(attempt
        ? {
            step: attempt.step,
            service: attempt.service,
            stepAttempt: attempt.index,
            idempotencyKey: attempt.idempotencyKey,
          }
        : {}),
      target,
      args,
      fault,
      reached: false,
    };
    this.calls.push(call);
    const incarnation = attempt?.incarnation ?? executionScope.getStore()?.incarnation.number ?? 0;
    this.entries.push({ kind: 'call', at: call.at, incarnation, call });
    return call;
  }

  #through(call: Mutable<ServiceCall>, invoke: () => unknown): unknown {
    call.reached = true;
    if (call.idempotencyKey !== undefined)
      this.#effects.add(`${call.target} ${call.idempotencyKey}`);
    const failed = (error: unknown) => {
      call.answer = { error: toErrorData(error) };
      throw error;
    };
    let result: unknown;
    try {
      result = invoke();
    } catch (error) {
      failed(error);
    }
    if (isThenable(result)) {
      return Promise.resolve(result).then((value: unknown) => {
        call.answer = { value: copy(value) };
        return value;
      }, failed);
    }
    call.answer = { value: copy(result) };
    return result;
  }
}
