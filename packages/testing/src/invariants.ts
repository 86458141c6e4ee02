import { isDeepStrictEqual } from 'node:util';
import type { CommandView, LogRecord, SagaCommandType } from '@coordinator/core';
import type { StepAttempt } from './execution-scope.js';
import { operatorViolations } from './operator-invariants.js';
import { timingViolations } from './retry-timing.js';
import type { Run } from './run.js';
import { shapeOf } from './saga-shape.js';
import type { ServiceCall } from './service-call.js';
import { brief } from './timeline.js';
import type { InvariantName, Violation } from './violation.js';

/** The fault-free end of one Command (same type, id and payload), for `transient-result`. */
export type ReferenceRun = (
  command: Pick<CommandView, 'id' | 'type'>,
  payload: unknown,
) => Promise<CommandView | undefined>;

function recordsOf(run: Run<unknown>): Map<string, LogRecord[]> {
  const byId = new Map<string, LogRecord[]>();
  for (const { record } of run.records) {
    const list = byId.get(record.id);
    if (list) list.push(record);
    else byId.set(record.id, [record]);
  }
  return byId;
}

function endsDone(run: Run<unknown>, records: Map<string, LogRecord[]>): Violation[] {
  const violations: Violation[] = [];
  const views = new Map(run.commands.map((c) => [c.id, c]));
  const lastAnswer = new Map<string, string>();
  const stalls = new Map<string, string>();
  const last = run.entries.at(-1)?.incarnation;
  for (const e of run.entries) {
    if (e.kind === 'submit' && e.answer) lastAnswer.set(e.id, e.answer);
    if (e.kind === 'stalled' && e.incarnation === last) {
      stalls.set(e.id, `${e.error.code}: ${e.error.message}`);
    }
  }
  const budget = run.settled ? '' : ' when the time budget ran out';
  for (const { id } of run.submitted) {
    const view = views.get(id);
    const dones = (records.get(id) ?? []).filter((r) => r.kind === 'done').length;
    let message: string | undefined;
    // Its done record in the log is the proof: a node keeps finished Commands only up to
    // `doneRetention`, so after a restart one may be unknown to it and done all the same.
    if (dones > 1) message = `${id} has ${dones} done records`;
    else if (dones === 1) message = undefined;
    else if (!view) {
      message = `${id} was never accepted (last answer: ${lastAnswer.get(id) ?? 'none'})`;
    } else {
      const stall = stalls.get(id);
      message = `${id} is ${view.state} at step ${view.step}${budget}${stall ? `; it stalled with ${stall}` : ''}`;
    }
    if (message) violations.push({ invariant: 'ends-done', message, commandId: id });
  }
  return violations;
}

function duplicateOutcomes(records: Map<string, LogRecord[]>): Violation[] {
  const violations: Violation[] = [];
  for (const [id, list] of records) {
    const seen = new Set<string>();
    for (const r of list) {
      if (r.kind !== 'outcome') continue;
      if (seen.has(r.step)) {
        violations.push({
          invariant: 'no-rerun-after-outcome',
          message: `step ${r.step} of ${id} has a second Outcome record: it ran again after its Outcome was recorded`,
          commandId: id,
          step: r.step,
          at: r.at,
        });
      }
      seen.add(r.step);
    }
  }
  return violations;
}

/** Whether the key is among the arguments: as one, as a step's `idempotencyKey`, or deeper. */
function carriesKey(args: readonly unknown[], key: string): boolean {
  return (
    args.some(
      (a) => a === key || (a as { idempotencyKey?: unknown } | null)?.idempotencyKey === key,
    ) || holds(args, key, 3)
  );
}

function holds(value: unknown, key: string, depth: number): boolean {
  if (value === key) return true;
  if (depth === 0 || typeof value !== 'object' || value === null) return false;
  return Object.values(value).some((v) => holds(v, key, depth - 1));
}

function keyedCalls(run: Run<unknown>): Violation[] {
  return run.calls.flatMap((c) =>
    c.idempotencyKey === undefined || c.target === '(step)' || carriesKey(c.args, c.idempotencyKey)
      ? []
      : [
          {
            invariant: 'same-key' as const,
            message: `step ${c.step} of ${c.commandId} called ${c.target} (call #${c.index}) without its idempotency key ${c.idempotencyKey}: the service cannot tell a retry from a new request`,
            commandId: c.commandId,
            ...(c.step ? { step: c.step } : {}),
            at: c.at,
          },
        ],
  );
}

/**
 * The compensations of a Command as the kit saw them run (a driver may run one no record says):
 * a compensation retried after it waited, or after a crash, ran once; one that ended ok and runs
 * again in the same node ran twice.
 */
function compensationsRun(run: Run<unknown>, id: string, forward: ReadonlySet<string>): string[] {
  const ran: string[] = [];
  let previous: StepAttempt | undefined;
  for (const a of run.attempts) {
    if (a.commandId !== id || forward.has(a.step)) continue;
    const retried =
      previous?.step === a.step &&
      (previous.end !== 'ok' || previous.incarnation !== a.incarnation);
    if (!retried) ran.push(a.step);
    previous = a;
  }
  return ran;
}

function compensations(run: Run<unknown>, records: Map<string, LogRecord[]>): Violation[] {
  const violations: Violation[] = [];
  for (const view of run.commands) {
    const saga = run.types.find((t) => t.type === view.type);
    if (saga?.kind !== 'saga' || view.state !== 'done') continue;
    const { forward, undo } = shapeOf(saga as SagaCommandType<unknown>);
    const steps = (records.get(view.id) ?? []).flatMap((r) =>
      r.kind === 'outcome' || r.kind === 'failed' ? [r] : [],
    );
    const completed = steps.filter((r) => r.kind === 'outcome' && forward.has(r.step));
    const failure = steps.find(
      (r): r is Extract<LogRecord, { kind: 'failed' }> =>
        r.kind === 'failed' && forward.has(r.step),
    );
    const recorded = steps.flatMap((r) => (forward.has(r.step) ? [] : [r.step]));
    const expected = failure
      ? completed.reverse().flatMap((r) => {
          const state = undo.get(r.step);
          return state ? [state] : [];
        })
      : [];
    const ran = compensationsRun(run, view.id, forward);
    const [what, seen] = isDeepStrictEqual(recorded, expected) ? ['ran', ran] : ['were', recorded];
    if (isDeepStrictEqual(seen, expected)) continue;
    const why = !failure
      ? 'no step failed'
      : failure.error.code === 'CANCELLED'
        ? `it was cancelled before step ${failure.step}`
        : `step ${failure.step} failed`;
    violations.push({
      invariant: 'compensation',
      message: `${view.id}: ${why}, so the compensations must be [${expected.join(', ')}] in that order, each once; they ${what} [${seen.join(', ')}]`,
      commandId: view.id,
    });
  }
  return violations;
}

function sameAnswers(run: Run<unknown>): Violation[] {
  const violations: Violation[] = [];
  const first = new Map<string, ServiceCall>();
  const perAttempt = new Map<string, number>();
  for (const call of run.calls) {
    if (call.idempotencyKey === undefined || call.target === '(step)') continue;
    const nth = `${call.stepAttempt} ${call.target}`;
    const n = perAttempt.get(nth) ?? 0;
    perAttempt.set(nth, n + 1);
    if (!call.answer || !('value' in call.answer)) continue;
    const slot = `${call.target} ${call.idempotencyKey} ${n}`;
    const earlier = first.get(slot);
    if (!earlier) {
      first.set(slot, call);
      continue;
    }
    const before = earlier.answer as { value: unknown };
    if (isDeepStrictEqual(before.value, call.answer.value)) continue;
    violations.push({
      invariant: 'same-answer',
      message: `${call.target} answered the repeated key ${call.idempotencyKey} differently: ${brief(before.value)} at call #${earlier.index}, then ${brief(call.answer.value)} at call #${call.index}; the service is not idempotent (it acted twice on one key)`,
      commandId: call.commandId,
      ...(call.step ? { step: call.step } : {}),
      at: call.at,
    });
  }
  return violations;
}

/** Where two values first differ: `result.charge.payment = "P-2", without faults "P-1"`. */
function firstDifference(actual: unknown, expected: unknown, path: string): string | undefined {
  if (isDeepStrictEqual(actual, expected)) return undefined;
  const isRecord = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null;
  if (isRecord(actual) && isRecord(expected) && Array.isArray(actual) === Array.isArray(expected)) {
    for (const key of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
      const found = firstDifference(actual[key], expected[key], path ? `${path}.${key}` : key);
      if (found !== undefined) return found;
    }
  }
  return `${path || 'its end'} = ${brief(actual)}, but without faults ${brief(expected)}`;
}

async function transientResults(
  run: Run<unknown>,
  records: Map<string, LogRecord[]>,
  reference: ReferenceRun,
): Promise<Violation[]> {
  const violations: Violation[] = [];
  const payloads = new Map(run.submitted.map((s) => [s.id, s.payload]));
  for (const view of run.commands) {
    const calls = run.calls.filter((c) => c.commandId === view.id);
    if (view.state !== 'done' || calls.some((c) => c.fault === 'terminal')) continue;
    if (records.get(view.id)?.some((r) => r.kind === 'cancelled')) continue;
    const expected = await reference(view, payloads.get(view.id));
    if (expected?.state !== 'done') continue;
    const outcome = (v: CommandView) => (v.error ? { error: v.error } : { result: v.result });
    const difference = firstDifference(outcome(view), outcome(expected), '');
    if (difference === undefined) continue;
    const faults = calls
      .filter((c) => c.fault !== 'ok')
      .map((c) => `${c.fault} at call #${c.index} (${c.target})`);
    const crashes = run.entries.filter((e) => e.kind === 'crash').length;
    const what = [...faults, ...(crashes > 0 ? [`${crashes} crash(es)`] : [])].join(', ');
    violations.push({
      invariant: 'transient-result',
      message: `${view.id} ended with ${difference}; its faults were only transient: ${what || 'none'}`,
      commandId: view.id,
    });
  }
  return violations;
}

/**
 * Checks the kit's invariants on a run (all but those in `except`; `transient-result` only with a
 * `reference`). Violations seen while it ran come first.
 */
export async function builtInViolations(
  run: Run<unknown>,
  except: readonly InvariantName[],
  reference: ReferenceRun | undefined,
): Promise<Violation[]> {
  const records = recordsOf(run);
  const found = [
    ...run.violations,
    ...endsDone(run, records),
    ...duplicateOutcomes(records),
    ...keyedCalls(run),
    ...compensations(run, records),
    ...timingViolations(run),
    ...sameAnswers(run),
    ...operatorViolations(run, records),
    ...(reference ? await transientResults(run, records, reference) : []),
  ];
  return found.filter((v) => !except.includes(v.invariant));
}
