import type { FaultKind } from './fault-schedule.js';
import type { FaultPlan, OperatorMove } from './machine-paths.js';

/** Operator plans are derived from the fault plans with at most this many faults. */
const maxFaults = 2;

const waits = (fault: FaultKind | undefined) => fault === 'delayed' || fault === 'blocked';

function faultCount(plan: FaultPlan): number {
  return plan.faults.filter((f) => f !== 'ok').length;
}

/** The plan with the operator's moves, its attempts those left. */
function withMoves(
  plan: FaultPlan,
  faults: readonly FaultKind[],
  operator: readonly OperatorMove[],
): FaultPlan {
  const trimmed = [...faults];
  while (trimmed.at(-1) === 'ok') trimmed.pop();
  return { ...plan, faults: trimmed, operator };
}

/**
 * A cancel makes a forward step FAILED without running it: the plan whose first forward step
 * fails at attempt `j` is driven by a cancel made during the attempt before it (the previous
 * step, or the same step that then waits), or while the step waits for its retry. The
 * compensations after it keep their faults.
 */
function cancels(plan: FaultPlan, forward: (position: string) => boolean): FaultPlan[] {
  const j = plan.faults.findIndex((f, i) => f === 'terminal' && forward(plan.positions[i] ?? ''));
  if (j <= 0) return [];
  const faults = [...plan.faults.slice(0, j), ...plan.faults.slice(j + 1)];
  const during = withMoves(plan, faults, [{ action: 'cancel', attempt: j - 1, when: 'during' }]);
  if (!waits(plan.faults[j - 1])) return [during];
  const waiting = { action: 'cancel', attempt: j - 1, when: 'waiting' } as const;
  return [during, withMoves(plan, faults, [waiting])];
}

/** Every wait of the plan ends with the operator's retry now instead of its timer. */
function retriesNow(plan: FaultPlan): FaultPlan[] {
  const moves = plan.faults.flatMap((f, attempt) =>
    waits(f) ? [{ action: 'retry-now', attempt, when: 'waiting' } as const] : [],
  );
  return moves.length === 0 ? [] : [withMoves(plan, plan.faults, moves)];
}

/**
 * Moves that change nothing, or too late: a cancel during the last step of the fault-free run
 * (its result stands), a retry now while a step runs (a no-op), a cancel while compensating after
 * a failure (refused `WRONG_STATE`).
 */
function noOps(plan: FaultPlan, forward: (position: string) => boolean): FaultPlan[] {
  if (plan.faults.length === 0) {
    const last = plan.positions.length - 1;
    return [
      withMoves(plan, [], [{ action: 'cancel', attempt: last, when: 'during' }]),
      withMoves(plan, [], [{ action: 'retry-now', attempt: 0, when: 'during' }]),
    ];
  }
  const j = plan.faults.indexOf('terminal');
  const compensating = j >= 0 && plan.positions[j + 1] !== undefined && faultCount(plan) === 1;
  if (!compensating || !forward(plan.positions[j] ?? '') || forward(plan.positions[j + 1] ?? '')) {
    return [];
  }
  return [withMoves(plan, plan.faults, [{ action: 'cancel', attempt: j + 1, when: 'during' }])];
}

/** A plan's key: its faults and moves (plans with one key make the same run). */
function planKey(plan: FaultPlan): string {
  const moves = plan.operator.map((m) => `${m.action}@${m.attempt}:${m.when}`);
  return [plan.faults.join(' '), ...moves].join(' | ');
}

/**
 * The operator's paths, from the fault plans with at most two faults: each step failure also made
 * by a cancel (during the attempt before it, or while the step waits), each wait ended by a retry
 * now, and the moves that must change nothing. One plan per distinct run.
 */
export function operatorPlans(
  plans: readonly FaultPlan[],
  forward: (position: string) => boolean,
): FaultPlan[] {
  const made = new Map<string, FaultPlan>();
  const few = plans.filter((plan) => faultCount(plan) <= maxFaults);
  const derive = [
    (plan: FaultPlan) => cancels(plan, forward),
    retriesNow,
    (plan: FaultPlan) => noOps(plan, forward),
  ];
  for (const derived of derive.flatMap((d) => few.flatMap(d))) {
    const key = planKey(derived);
    if (!made.has(key)) made.set(key, derived);
  }
  return [...made.values()];
}

/** A plan's operator moves as a person reads them. */
export function describeMoves(plan: FaultPlan): string {
  return (
    plan.operator
      .map((m) =>
        m.when === 'during'
          ? `${m.action} (twice) during step attempt ${m.attempt + 1} (${plan.positions[m.attempt]})`
          : `${m.action} (twice) while ${plan.positions[m.attempt]} waits after step attempt ${m.attempt + 1}`,
      )
      .join(', ') || 'none'
  );
}
