import type { SagaCommandType } from '@coordinator/core';

/** Per saga step state, whether it is a forward step, and per step the state that undoes it. */
export interface SagaShape {
  readonly forward: ReadonlySet<string>;
  readonly undo: ReadonlyMap<string, string>;
}

const shapes = new WeakMap<SagaCommandType<unknown>, SagaShape>();

export function shapeOf(saga: SagaCommandType<unknown>): SagaShape {
  let shape = shapes.get(saga);
  if (!shape) {
    const forward = new Set<string>();
    const undo = new Map<string, string>();
    for (const [state, action] of saga.actions) {
      if (action.compensation) undo.set(action.step.name, state);
      else forward.add(state);
    }
    shape = { forward, undo };
    shapes.set(saga, shape);
  }
  return shape;
}
