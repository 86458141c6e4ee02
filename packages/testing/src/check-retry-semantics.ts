import type { CommandType, CoordinatorOptions } from '@coordinator/core';
import fc from 'fast-check';
import { CheckFailure } from './check-failure.js';
import { type CheckOptions, findViolations } from './check-run.js';
import {
  type CrashPointsOptions,
  type FaultKind,
  type FaultSchedule,
  faultKinds,
  faultSchedule,
} from './fault-schedule.js';
import {
  describeAction,
  type OperatorActionKind,
  type OperatorOptions,
  operatorActionKinds,
} from './operator-action.js';
import { referenceRuns } from './reference-run.js';
import type { Run } from './run.js';
import { runWith } from './run-schedule.js';
import { brief } from './timeline.js';

export interface RetrySemanticsOptions<Rcv> extends CheckOptions<Rcv> {
  /** A fresh receiver (in-memory fakes of your services) for each run. */
  readonly receiver: () => Rcv;
  /** Each Command's payload: a value, or a fast-check arbitrary to draw each one from. */
  readonly payload: unknown;
  /** Schedules to try. @default 100 */
  readonly numRuns?: number;
  /** fast-check's seed (printed on failure): the same seed tries the same schedules. */
  readonly seed?: number;
  /** With `seed`, replays just the failing case a failure printed. */
  readonly path?: string;
  /** Commands per schedule, submitted at times spread over 2 s. @default { min: 1, max: 3 } */
  readonly commands?: { readonly min?: number; readonly max?: number };
  /** The faults to draw from. @default every kind */
  readonly faults?: readonly FaultKind[];
  /** Service calls a schedule may fault, in call order. @default 12 */
  readonly maxFaults?: number;
  /** Crash points per schedule; `false` for none. @default { max: 2, maxRecords: 40 } */
  readonly crashes?: CrashPointsOptions | false;
  /** An operator's cancels and retries now per schedule; `false` for none. @default { max: 2 } */
  readonly operator?: OperatorOptions | false;
  /** Schedules tried first (a counterexample you keep). */
  readonly examples?: readonly FaultSchedule[];
  /** Driver options over the kit's (one partition, 1 s slow and 50 ms fast retries, 100 ms jitter). */
  readonly options?: Partial<CoordinatorOptions>;
}

/** What `checkRetrySemantics` tried. */
export interface RetryReport {
  readonly type: string;
  readonly runs: number;
  readonly seed: number;
  /** Faults injected, by kind, over all runs. */
  readonly faults: Readonly<Record<FaultKind, number>>;
  readonly crashes: number;
  readonly commands: number;
  /** Operator actions made, by kind, over all runs (a repeat counts). */
  readonly operator: Readonly<Record<OperatorActionKind, number>>;
}

/** A schedule as a person reads it. */
export function describeSchedule(schedule: FaultSchedule): string {
  const commands = schedule.commands.map((c) => `${c.id} ${brief(c.payload)} at ${c.at} ms`);
  const faults = schedule.faults.map((f, i) => `#${i} ${f}`);
  return [
    `  commands: ${commands.join(', ')}`,
    `  faults by service call: ${faults.join(', ') || 'none'} (later calls: ok)`,
    `  crashes: ${schedule.crashes.map((n) => `with ${n} records in the log`).join(', ') || 'none'}`,
    `  operator: ${schedule.operator?.map(describeAction).join(', ') || 'none'}`,
    `  jitter seed: ${schedule.seed}`,
  ].join('\n');
}

/**
 * A fast-check property over fault schedules: per service call ok / Delayed / Blocked / terminal /
 * timeout-after-effect, crashes after any record with recovery from the log, several Commands
 * interleaved, suspension, an operator's cancels and retries now at any time or racing a step. Every run is checked against the kit's invariants and yours. On a
 * failure it throws a {@link CheckFailure} with the seed, the shrunk schedule and its timeline.
 *
 * @example
 * await checkRetrySemantics(orderSaga, {
 *   receiver: () => fakeServices(),
 *   payload: fc.record({ sku: fc.constantFrom('A-1', 'B-2'), qty: fc.integer({ min: 1, max: 3 }), amount: fc.constant(40) }),
 *   numRuns: 200,
 * });
 */
export async function checkRetrySemantics<Rcv>(
  commandType: CommandType<Rcv>,
  options: RetrySemanticsOptions<NoInfer<Rcv>>,
): Promise<RetryReport> {
  const schedules = faultSchedule({
    payload: options.payload,
    kinds: options.faults ?? faultKinds,
    maxLength: options.maxFaults ?? 12,
    ...(options.commands ? { commands: options.commands } : {}),
    ...(options.crashes === undefined ? {} : { crashes: options.crashes }),
    ...(options.operator === undefined ? {} : { operator: options.operator }),
  });
  const config = { receiver: options.receiver, options: options.options ?? {} };
  const reference = referenceRuns([commandType], options.receiver, config.options);
  const check: CheckOptions<Rcv> = {
    ...(options.invariant ? { invariant: options.invariant } : {}),
    ...(options.except ? { except: options.except } : {}),
  };
  const faults = Object.fromEntries(faultKinds.map((k) => [k, 0])) as Record<FaultKind, number>;
  const operator = Object.fromEntries(operatorActionKinds.map((k) => [k, 0])) as Record<
    OperatorActionKind,
    number
  >;
  let crashes = 0;
  let commands = 0;
  const runOnce = async (schedule: FaultSchedule) => {
    const plan = { ...schedule, faultCount: schedule.faults.length };
    const run = await runWith(commandType, plan, config, reference);
    return { run, violations: await findViolations(run, check) };
  };
  const property = fc.asyncProperty(schedules, async (schedule) => {
    const { run, violations } = await runOnce(schedule);
    for (const call of run.calls) faults[call.fault] += 1;
    for (const e of run.entries) {
      if (e.kind === 'crash') crashes += 1;
      else if (e.kind === 'operator') operator[e.action] += 1;
    }
    commands += schedule.commands.length;
    return violations.length === 0;
  });
  const details = await fc.check(property, {
    numRuns: options.numRuns ?? 100,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.path === undefined ? {} : { path: options.path }),
    ...(options.examples ? { examples: options.examples.map((e) => [e] as [FaultSchedule]) } : {}),
  });
  if (details.failed) {
    const [schedule] = details.counterexample ?? [];
    const seed = JSON.stringify(details.seed);
    const path = JSON.stringify(details.counterexamplePath);
    const where = [
      `Seed ${seed}, path ${path}: rerun just this case with { seed: ${seed}, path: ${path} }; shrunk ${details.numShrinks} time(s) to:`,
      schedule ? describeSchedule(schedule) : '  (no schedule)',
    ];
    const title = `checkRetrySemantics(${commandType.type})`;
    // A run that throws (a receiver or body that breaks, not an invariant) fails the property too.
    const failed = schedule && (await runOnce(schedule).catch(() => undefined));
    if (!failed) {
      throw new Error([`${title}: a run threw`, ...where].join('\n'), {
        cause: details.errorInstance,
      });
    }
    throw new CheckFailure(title, failed.violations, failed.run as Run<unknown>, where);
  }
  return {
    type: commandType.type,
    runs: details.numRuns,
    seed: details.seed,
    faults,
    crashes,
    commands,
    operator,
  };
}
