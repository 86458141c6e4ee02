import {
  type CommandType,
  type CoordinatorOptions,
  defineSaga,
  type MachineStepper,
} from '@coordinator/core';
import { CheckFailure } from './check-failure.js';
import { type CheckOptions, findViolations } from './check-run.js';
import { type Coverage, MachineCoverage } from './coverage.js';
import type { FaultKind } from './fault-schedule.js';
import type { ReferenceRun } from './invariants.js';
import { describePath, type FaultPlan, faultPlans, simplePaths } from './machine-paths.js';
import { describeMoves, operatorPlans } from './operator-plans.js';
import { referenceRuns } from './reference-run.js';
import type { Run } from './run.js';
import { runWith } from './run-schedule.js';
import type { CallSite } from './service-call.js';
import type { Violation } from './violation.js';

export interface EveryPathOptions<Rcv> extends CheckOptions<Rcv> {
  /** A fresh receiver (in-memory fakes of your services) for each run. */
  readonly receiver: () => Rcv;
  /** The payload every path's Command is submitted with. */
  readonly payload: unknown;
  /** Driver options over the kit's (one partition, 1 s slow and 50 ms fast retries, 100 ms jitter). */
  readonly options?: Partial<CoordinatorOptions>;
}

/** What `checkEveryPath` went through. */
export interface PathReport {
  readonly type: string;
  /** Simple paths of the machine (for a code body, of its steps unfolded). */
  readonly paths: number;
  /** Runs through the Driver: one per distinct fault plan (paths that differ only in trailing
   * successes are one run), and one per operator plan. */
  readonly runs: number;
  /** Of those runs, the ones with an operator's cancel, and with a retry now. */
  readonly operator: { readonly cancel: number; readonly retryNow: number };
  /** The steps of the fault-free run, in order. */
  readonly steps: readonly string[];
  /** Of the type's own machine. */
  readonly states: Coverage;
  readonly transitions: Coverage;
}

const commandId = 'cmd-1';

/**
 * A code body's machine has one `running` state, whatever its steps: the kit unfolds it into the
 * steps a fault-free run makes (a state each, as in a saga without compensations) so that every
 * step is made to succeed, wait and fail.
 */
function unfolded(
  commandType: CommandType<unknown>,
  run: Run<unknown>,
): { stepper: MachineStepper; forward: (position: string) => boolean } {
  if (commandType.kind === 'saga') {
    const { actions } = commandType;
    return { stepper: commandType.stepper, forward: (p) => !actions.get(p)?.compensation };
  }
  if (run.attempts.length === 0) return { stepper: commandType.stepper, forward: () => true };
  const steps = run.attempts.map((a, i) => ({
    name: `step${i + 1}`,
    service: a.service,
    run: async () => null,
  }));
  return { stepper: defineSaga({ type: commandType.type, steps }).stepper, forward: () => true };
}

function ended(end: string | undefined): FaultKind | 'unfinished' {
  if (end === undefined) return 'unfinished';
  if (end === 'ok') return 'ok';
  if (end === 'DELAYED') return 'delayed';
  if (end === 'BLOCKED') return 'blocked';
  return 'terminal';
}

/** The step attempts ended as the plan said (a step that swallows an injected fault does not). */
function followed(run: Run<unknown>, plan: FaultPlan): Violation[] {
  return plan.faults.flatMap((fault, i) => {
    const attempt = run.attempts[i];
    const actual = ended(attempt?.end);
    if (actual === fault) return [];
    const what = attempt ? `step ${attempt.step} (attempt ${i + 1})` : `step attempt ${i + 1}`;
    return [
      {
        invariant: 'follows-path' as const,
        message: `${what} was made to end ${fault} but ended ${attempt ? actual : 'never ran'}: does the step catch the error its service call threw?`,
        commandId,
        ...(attempt ? { step: attempt.step, at: attempt.at } : {}),
      },
    ];
  });
}

/**
 * One Command, its step attempts failing as `plan` says (at their first service call), the
 * operator acting at the first call of the attempts its moves name (twice each; while the Command
 * waits: 1 ms after it).
 */
function drive<Rcv>(
  commandType: CommandType<Rcv>,
  plan: Pick<FaultPlan, 'faults' | 'operator'>,
  options: EveryPathOptions<Rcv>,
  reference: ReferenceRun,
): Promise<Run<Rcv>> {
  const config = { receiver: options.receiver, options: options.options ?? {} };
  const first = (site: CallSite) => site.callInAttempt === 0;
  const faults = (site: CallSite) =>
    first(site) ? (plan.faults[site.attempt.index] ?? 'ok') : 'ok';
  const operator = (site: CallSite) =>
    plan.operator.flatMap((m) =>
      first(site) && m.attempt === site.attempt.index
        ? [
            {
              action: m.action,
              id: commandId,
              twice: true,
              ...(m.when === 'waiting' ? { afterMs: 1 } : {}),
            },
          ]
        : [],
    );
  const commands = [{ id: commandId, payload: options.payload, at: 0 }];
  const faultCount = plan.faults.length;
  const run = { commands, faults, faultCount, crashes: [], seed: 1, operator };
  return runWith(commandType, run, config, reference);
}

/**
 * Drives every simple path of a Command type's machine through the real Driver on the in-memory
 * ports and virtual time: every step succeeding, Delayed, Blocked and failing terminally, every
 * compensation path, your receiver failing at the right calls. Each run is checked against the
 * kit's invariants and yours; the first run that breaks one throws a {@link CheckFailure} with
 * the path and its timeline. Resolves with what was covered.
 *
 * @example
 * const report = await checkEveryPath(orderSaga, {
 *   receiver: () => fakeServices(),
 *   payload: { sku: 'A-1', qty: 2, amount: 40 },
 *   invariant: ({ receiver }) => expect(receiver.inventory.reserved).toBe(receiver.inventory.released + receiver.shipping.shipped),
 * });
 */
export async function checkEveryPath<Rcv>(
  commandType: CommandType<Rcv>,
  options: EveryPathOptions<NoInfer<Rcv>>,
): Promise<PathReport> {
  const reference = referenceRuns([commandType], options.receiver, options.options ?? {});
  const happy = await drive(commandType, { faults: [], operator: [] }, options, reference);
  const machine = unfolded(commandType as CommandType<unknown>, happy as Run<unknown>);
  const paths = simplePaths(machine.stepper);
  const faulted = faultPlans(paths, commandType.type);
  const operated = operatorPlans(faulted, machine.forward);
  const plans = [...faulted, ...operated];
  const coverage = new MachineCoverage(commandType.stepper);
  for (const plan of plans) {
    const where = [
      `Path: ${describePath(plan.path)}`,
      `Faults by step attempt: ${plan.faults.join(', ') || 'none'} (later attempts: ok)`,
      ...(plan.operator.length > 0 ? [`Operator: ${describeMoves(plan)}`] : []),
    ];
    const run =
      plan.faults.length === 0 && plan.operator.length === 0
        ? happy
        : await drive(commandType, plan, options, reference).catch((error: unknown) => {
            const title = `checkEveryPath(${commandType.type}): a run threw`;
            throw new Error([title, ...where].join('\n'), { cause: error });
          });
    coverage.add(run.records.flatMap((r) => (r.record.id === commandId ? [r.record] : [])));
    const violations = [
      ...followed(run as Run<unknown>, plan),
      ...(await findViolations(run, options)),
    ];
    if (violations.length === 0) continue;
    throw new CheckFailure(
      `checkEveryPath(${commandType.type})`,
      violations,
      run as Run<unknown>,
      where,
    );
  }
  return {
    type: commandType.type,
    paths: paths.length,
    runs: plans.length,
    operator: {
      cancel: operated.filter((p) => p.operator.some((m) => m.action === 'cancel')).length,
      retryNow: operated.filter((p) => p.operator.some((m) => m.action === 'retry-now')).length,
    },
    steps: happy.attempts.map((a) => a.step),
    states: coverage.states(),
    transitions: coverage.transitions(),
  };
}
