import type { LogRecord, SagaCommandType } from '@coordinator/core';
import type { Run } from './run.js';
import { shapeOf } from './saga-shape.js';
import type { Violation } from './violation.js';

/** The error codes a Command whose cancel took effect may end with. */
const cancelledEnds = new Set(['CANCELLED', 'COMPENSATION_FAILED']);

/** Per Command id, whether a step of it is a forward one (not a compensation). */
function forwardSteps(run: Run<unknown>): (id: string, step: string) => boolean {
  const types = new Map(run.submitted.map((s) => [s.id, run.types.find((t) => t.type === s.type)]));
  return (id, step) => {
    const type = types.get(id);
    return type?.kind !== 'saga' || shapeOf(type as SagaCommandType<unknown>).forward.has(step);
  };
}

/** A cancel is made once: cancelling again writes nothing. */
function cancelledOnce(records: Map<string, LogRecord[]>): Violation[] {
  return [...records].flatMap(([id, list]) => {
    const cancels = list.filter((r) => r.kind === 'cancelled');
    const second = cancels[1];
    if (!second) return [];
    return [
      {
        invariant: 'cancel' as const,
        message: `${id} has ${cancels.length} cancelled records: cancelling again must change nothing`,
        commandId: id,
        at: second.at,
      },
    ];
  });
}

/**
 * Once a Command's cancelled record is durable no step of it starts but compensations; once the
 * cancel took effect (a saga's step failed `CANCELLED`, a code body's step was refused) it ends
 * `CANCELLED` (or `COMPENSATION_FAILED`). Replayed over the timeline.
 */
function cancelsTakeEffect(run: Run<unknown>, records: Map<string, LogRecord[]>): Violation[] {
  const violations: Violation[] = [];
  const forward = forwardSteps(run);
  const cancelledAt = new Map<string, { position: number; at: number }>();
  const tookEffect = new Set<string>();
  for (const e of run.entries) {
    if (e.kind === 'record' && e.record.kind === 'cancelled' && !cancelledAt.has(e.record.id)) {
      cancelledAt.set(e.record.id, { position: e.position, at: e.record.at });
    } else if (e.kind === 'record' && e.record.kind === 'failed') {
      if (e.record.error.code === 'CANCELLED') tookEffect.add(e.record.id);
    } else if (e.kind === 'refused' && e.error.code === 'CANCELLED') {
      tookEffect.add(e.id);
    } else if (e.kind === 'step') {
      const { commandId: id, step, at, attempt } = e.attempt;
      const cancel = cancelledAt.get(id);
      if (!cancel || !forward(id, step)) continue;
      violations.push({
        invariant: 'cancel',
        message: `step ${step} of ${id} started at ${at} ms (execution ${attempt}) after the operator's cancel was recorded at #${cancel.position} (${cancel.at} ms): once cancelled, no step starts but compensations`,
        commandId: id,
        step,
        at,
      });
    }
  }
  for (const id of tookEffect) {
    const done = records.get(id)?.find((r) => r.kind === 'done');
    if (!done || cancelledEnds.has(done.error?.code ?? '')) continue;
    const end = done.error ? `error ${done.error.code}` : 'a result';
    violations.push({
      invariant: 'cancel',
      message: `${id} was cancelled (its next step was refused with CANCELLED) but ended with ${end}: a cancelled Command ends CANCELLED`,
      commandId: id,
      at: done.at,
    });
  }
  return violations;
}

/**
 * A retry by the operator comes only of an operator's action (a retry now, or the cancel of a
 * waiting Command) made just before it, one per action: repeating an action changes nothing.
 */
function operatorRetries(run: Run<unknown>): Violation[] {
  const violations: Violation[] = [];
  const asked = new Set<string>();
  for (const e of run.entries) {
    if (e.kind === 'operator') asked.add(e.id);
    if (e.kind !== 'record' || e.record.kind === 'cancelled') continue;
    const { record } = e;
    if (record.kind === 'retried' && record.by === 'operator' && !asked.has(record.id)) {
      violations.push({
        invariant: 'retry-now',
        message: `${record.id} was retried by the operator at #${e.position} (${record.at} ms) but no operator action asked for it then: each retry now (or cancel of a waiting Command) retries once, and repeating it changes nothing`,
        commandId: record.id,
        at: record.at,
      });
    }
    asked.delete(record.id);
  }
  return violations;
}

/**
 * An operator's retry now of a waiting Command, or its first cancel, runs the next attempt at once
 * (a cancel goes to its next step boundary): it is not answered with the Command still waiting. A
 * repeat may find it waiting again (on a compensation), and a cancel of a Command already
 * cancelled changes nothing (one cancelled while its step ran waits for that step's retry).
 */
function actedAtOnce(run: Run<unknown>): Violation[] {
  const cancelled = new Set<string>();
  return run.entries.flatMap((e) => {
    if (e.kind === 'record' && e.record.kind === 'cancelled') cancelled.add(e.record.id);
    if (e.kind !== 'operator' || e.repeat) return [];
    if (e.action === 'cancel' && cancelled.has(e.id)) return [];
    const waiting = /^ok \((delayed|blocked)\)$/.exec(e.answer ?? '')?.[1];
    if (!waiting) return [];
    return [
      {
        invariant: e.action,
        message: `the operator's ${e.action} of ${e.id} at ${e.at} ms was answered with it still ${waiting}: a waiting Command runs its next attempt at once`,
        commandId: e.id,
        at: e.at,
      },
    ];
  });
}

/** The invariants of an operator's cancel and retry now. */
export function operatorViolations(
  run: Run<unknown>,
  records: Map<string, LogRecord[]>,
): Violation[] {
  return [
    ...cancelledOnce(records),
    ...cancelsTakeEffect(run, records),
    ...operatorRetries(run),
    ...actedAtOnce(run),
  ];
}

/**
 * The Commands a cancel ended at a step that had already reached its service (a call went through
 * but its answer was lost, so the step waited for a retry): the Driver fails such a step with
 * `CANCELLED` without compensating it, so its effect stands. An invariant over your fakes' books
 * leaves these to an operator, as it does a compensation that failed for good.
 */
export function abandonedByCancel<Rcv>(run: Run<Rcv>): string[] {
  const refused = new Set<string>();
  for (const e of run.entries) {
    if (e.kind === 'record' && e.record.kind === 'failed' && e.record.error.code === 'CANCELLED') {
      refused.add(`${e.record.id} ${e.record.step}`);
    } else if (e.kind === 'refused' && e.error.code === 'CANCELLED') {
      refused.add(`${e.id} ${e.step}`);
    }
  }
  const ids = run.calls.flatMap((c) =>
    c.reached && refused.has(`${c.commandId} ${c.step}`) ? [c.commandId] : [],
  );
  return [...new Set(ids)];
}
