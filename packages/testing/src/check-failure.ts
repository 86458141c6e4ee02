import type { CommandView, SagaCommandType } from '@coordinator/core';
import type { Run } from './run.js';
import { brief, formatTimeline } from './timeline.js';
import type { Violation } from './violation.js';

/** How a failed saga ended: what it completed, and which of those it undid. */
function sagaEnd(view: CommandView, saga: SagaCommandType<unknown> | undefined): string {
  if (!saga || view.failures.length === 0) return '';
  const done = new Set(view.outcomes.map((o) => o.step));
  const steps = saga.steps.filter((s) => done.has(s.name));
  const undone = steps.map((s) => {
    if (!s.compensate) return `${s.name} (no compensation declared)`;
    const state = [...saga.actions].find(([, a]) => a.compensation && a.step.name === s.name)?.[0];
    return `${s.name} (${state && done.has(state) ? 'compensated' : 'not compensated'})`;
  });
  return `; completed before the failure: ${undone.join(', ') || 'none'}`;
}

/** One line per Command: how it ended. */
function commandSummary(run: Run<unknown>): string {
  const sagas = new Map(
    run.types.flatMap((t) => (t.kind === 'saga' ? [[t.type, t as SagaCommandType<unknown>]] : [])),
  );
  const views = new Map(run.commands.map((c) => [c.id, c]));
  return run.submitted
    .map(({ id }) => {
      const view = views.get(id);
      if (!view) return `  ${id}: never accepted`;
      const end = view.error
        ? `with error ${view.error.code}: ${view.error.message}`
        : view.state === 'done'
          ? `with result ${brief(view.result)}`
          : `at step ${view.step}`;
      return `  ${id} (${view.type}): ${view.state} ${end}, ${view.attempts} execution(s)${sagaEnd(view, sagas.get(view.type))}`;
    })
    .join('\n');
}

/**
 * A check of the kit failed. The message names each broken invariant and its culprit, then what
 * to rerun (seed, shrunk schedule or path), the run's timeline and how each Command ended. Not a
 * `CoordinatorError`: it is a test's assertion failure, never raised by coordinator itself.
 */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure';
  readonly violations: readonly Violation[];
  /** The failing run's timeline, as printed in the message. */
  readonly timeline: string;

  constructor(
    title: string,
    violations: readonly Violation[],
    run: Run<unknown>,
    details: readonly string[] = [],
  ) {
    const timeline = formatTimeline(run.entries);
    const broken = violations.map((v) => `  !! ${v.invariant}: ${v.message}`).join('\n');
    super(
      [
        `${title}: ${violations.length} invariant violation(s)`,
        broken,
        ...details,
        'Timeline (virtual time):',
        timeline,
        'Commands:',
        commandSummary(run),
      ].join('\n'),
    );
    this.violations = violations;
    this.timeline = timeline;
  }
}
