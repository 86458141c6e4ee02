import { type AnyStateMachine, not, or, setup, stateIn } from 'xstate';

/** The lifecycle states every Command moves through (DESIGN §2). */
export const lifecycleStates = ['pending', 'executing', 'delayed', 'blocked', 'done'] as const;
export type LifecycleState = (typeof lifecycleStates)[number];

/** The machine events; each is what one kind of log record means. */
export const machineEvents = [
  'START',
  'OUTCOME',
  'FAILED',
  'DELAYED',
  'BLOCKED',
  'RETRY',
  'DONE',
] as const;
export type MachineEvent = (typeof machineEvents)[number];

/** The shape of a declared saga the machine needs: step names and which steps compensate. */
export interface SagaShape {
  readonly steps: readonly { readonly name: string; readonly compensates: boolean }[];
}

/** The `executing` sub-state a code body runs in. */
export const codeBodyState = 'running';
/** A declared saga's final sub-states. */
export const sagaCompleted = 'completed';
export const sagaCompensated = 'compensated';

export function compensationState(step: string): string {
  return `compensate:${step}`;
}

function sagaStates(shape: SagaShape): Record<string, object> {
  const { steps } = shape;
  // Where compensation starts once steps[0..i) have completed: the last of them that compensates.
  const compensateFrom = (completed: number): string => {
    for (let j = completed - 1; j >= 0; j--) {
      const step = steps[j];
      if (step?.compensates) return compensationState(step.name);
    }
    return sagaCompensated;
  };
  const states: Record<string, object> = {};
  steps.forEach((step, i) => {
    const next = steps[i + 1]?.name ?? sagaCompleted;
    states[step.name] = { on: { OUTCOME: next, FAILED: compensateFrom(i) } };
  });
  steps.forEach((step, i) => {
    // The last step's compensation never runs: nothing after it can fail (drawing it would show
    // a state no Command reaches).
    if (!step.compensates || i === steps.length - 1) return;
    const next = compensateFrom(i);
    states[compensationState(step.name)] = { on: { OUTCOME: next, FAILED: next } };
  });
  states[sagaCompleted] = { type: 'final' };
  states[sagaCompensated] = { type: 'final' };
  return states;
}

/**
 * Builds a Command type's machine: the lifecycle (pending, executing, delayed, blocked, done) with
 * the body nested in `executing`: one `running` state for a code body, or a state per step and per
 * compensation for a declared saga. A retry returns to the sub-state the Command left (history).
 *
 * The machine holds no context: a Command's data (outcomes, attempts) is folded from its records
 * beside it, so that every Command in the same state shares one snapshot.
 */
export function createCommandMachine(type: string, shape?: SagaShape): AnyStateMachine {
  const finished = or([
    stateIn({ executing: sagaCompleted }),
    stateIn({ executing: sagaCompensated }),
  ]);
  const body = shape
    ? { initial: shape.steps[0]?.name ?? sagaCompleted, states: sagaStates(shape) }
    : { initial: codeBodyState, states: { [codeBodyState]: { on: { OUTCOME: codeBodyState } } } };
  const whileRunning = shape ? { guard: 'running' as const } : {};
  // Named guards: the machine's config (what `coordinator draw --format json` prints) says them.
  return setup({ guards: { finished, running: not(finished) } }).createMachine({
    id: type,
    initial: 'pending',
    states: {
      pending: { on: { START: 'executing' } },
      executing: {
        initial: body.initial,
        states: { ...body.states, hist: { type: 'history', history: 'shallow' } },
        on: {
          DELAYED: { target: 'delayed', ...whileRunning },
          BLOCKED: { target: 'blocked', ...whileRunning },
          DONE: shape ? { target: 'done', guard: 'finished' as const } : 'done',
        },
      },
      delayed: { on: { RETRY: 'executing.hist' } },
      blocked: { on: { RETRY: 'executing.hist' } },
      done: { type: 'final' },
    },
  });
}
