import type { CommandType, CoordinatorOptions } from '@coordinator/core';
import { rememberReference } from './check-run.js';
import type { FaultKind, FaultSchedule } from './fault-schedule.js';
import type { ReferenceRun } from './invariants.js';
import type { OperatorSource } from './operator-desk.js';
import { referenceRuns } from './reference-run.js';
import type { Run } from './run.js';
import type { FaultSource } from './service-call.js';
import { SimulatedNode } from './simulated-node.js';

export interface RunScheduleConfig<Rcv> {
  /** A fresh receiver (in-memory fakes of your services) for each run. */
  readonly receiver: () => Rcv;
  /** Driver options over the kit's (one partition, 1 s slow and 50 ms fast retries, 100 ms jitter). */
  readonly options?: Partial<CoordinatorOptions>;
}

/** A schedule whose faults may come from a function; `faultCount` bounds how many it injects. */
export interface RunPlan extends Omit<FaultSchedule, 'faults' | 'operator'> {
  readonly faults: readonly FaultKind[] | FaultSource;
  readonly operator?: FaultSchedule['operator'] | OperatorSource;
  readonly faultCount: number;
}

/**
 * Virtual time a plan may take: every fault, crash and Command can cost a slow retry (or a
 * resubmission), with room to spare. A run still busy after it breaks `ends-done`.
 */
function budgetMs(options: CoordinatorOptions, plan: RunPlan): number {
  const last = Math.max(0, ...plan.commands.map((c) => c.at));
  const actions = typeof plan.operator === 'function' ? 2 : (plan.operator?.length ?? 0);
  const waits = plan.faultCount + plan.crashes.length + 2 * plan.commands.length + actions + 10;
  const retry = options.slowRetryIntervalMs + options.jitterMs;
  return last + 2 * waits * retry + options.checkpointIntervalMs;
}

/** Runs a plan; `reference` answers `transient-result` for the run. */
export async function runWith<Rcv>(
  commandType: CommandType<Rcv>,
  plan: RunPlan,
  config: RunScheduleConfig<Rcv>,
  reference: ReferenceRun,
): Promise<Run<Rcv>> {
  const node = await SimulatedNode.start({
    types: [commandType],
    receiver: config.receiver(),
    options: config.options ?? {},
    faults: plan.faults,
    crashes: plan.crashes,
    seed: plan.seed,
    ...(plan.operator ? { operator: plan.operator } : {}),
  });
  for (const c of plan.commands) node.send({ id: c.id, payload: c.payload }, c.at);
  await node.settle(budgetMs(node.options, plan));
  const run = node.run();
  rememberReference(run as Run<unknown>, reference);
  return run;
}

const made = new WeakMap<object, Map<string, ReferenceRun>>();

/**
 * Runs one schedule on a {@link SimulatedNode}: its Commands submitted at their times by a
 * client that resubmits while refused, its faults injected, its crashes made, until nothing is
 * left to do. Check the run with `checkRun`, and your own expectations.
 */
export function runSchedule<Rcv>(
  commandType: CommandType<Rcv>,
  schedule: FaultSchedule,
  config: RunScheduleConfig<NoInfer<Rcv>>,
): Promise<Run<Rcv>> {
  const byOptions = made.get(config.receiver) ?? new Map<string, ReferenceRun>();
  made.set(config.receiver, byOptions);
  const key = `${commandType.type} ${JSON.stringify(config.options ?? {})}`;
  let reference = byOptions.get(key);
  if (!reference) {
    reference = referenceRuns([commandType], config.receiver, config.options ?? {});
    byOptions.set(key, reference);
  }
  return runWith(
    commandType,
    { ...schedule, faultCount: schedule.faults.length },
    config,
    reference,
  );
}
