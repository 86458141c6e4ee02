import { CoordinatorError, type MachineState, type MachineStepper } from '@coordinator/core';
import type { AnyActorLogic } from 'xstate';
import { type AdjacencyValue, getAdjacencyMap } from 'xstate/graph';
import type { FaultKind } from './fault-schedule.js';
import type { OperatorActionKind } from './operator-action.js';

/**
 * How the kit drives each event of a Command machine: a step event is the end of one step
 * attempt, made by the fault injected at its first service call; START, RETRY and DONE are the
 * Driver's own moves. This table is the one place a new event is taught to the kit; an unknown
 * event fails loudly. An operator's cancel is no event of its own (it is a `cancelled` record that
 * moves no state): it makes a step FAILED, and a retry now makes a RETRY, as `operator-plans.ts`
 * derives from these paths.
 */
const moves: Readonly<Record<string, FaultKind | 'driver'>> = {
  START: 'driver',
  RETRY: 'driver',
  DONE: 'driver',
  OUTCOME: 'ok',
  FAILED: 'terminal',
  DELAYED: 'delayed',
  BLOCKED: 'blocked',
};

/** One simple path through a Command machine: its events, each with the sub-state it left. */
export interface MachinePath {
  readonly events: readonly { readonly type: string; readonly position: string }[];
}

/** What the kit injects to drive a path: the fault of each step attempt, in order. */
export interface FaultPlan {
  readonly faults: readonly FaultKind[];
  /** One path this plan drives (the plans of paths that differ only after it are one run). */
  readonly path: MachinePath;
  /** The machine state of each step attempt the path makes (trailing successes included). */
  readonly positions: readonly string[];
  /** An operator's actions, at step attempts (see `operator-plans.ts`). */
  readonly operator: readonly OperatorMove[];
}

/**
 * An operator's action in a plan: made twice (the second must change nothing) while step attempt
 * `attempt`'s first call is in flight (`during`), or once that attempt ended and its Command
 * waits for a retry (`waiting`).
 */
export interface OperatorMove {
  readonly action: OperatorActionKind;
  readonly attempt: number;
  readonly when: 'during' | 'waiting';
}

const known = new WeakMap<MachineStepper, MachinePath[]>();

/**
 * Every simple path of the machine from its initial state (no state twice; a delayed or blocked
 * state counts once per step it returns to), the same paths `getSimplePaths` lists. `xstate/graph`
 * maps the machine's transitions (over the table the type's `MachineStepper` computed with
 * XState, so no `transition()` runs again); one depth-first walk of that map then lists the paths,
 * each prefix of a walk being a path. `getSimplePaths` walks once per target state instead: 60 ms
 * against 2 for a 3-step saga. Listed once per machine.
 */
export function simplePaths(stepper: MachineStepper): MachinePath[] {
  const listed = known.get(stepper);
  if (listed) return listed;
  const keyOf = (state: MachineState) => `${state.key}|${state.history}`;
  const logic = {
    transition: (state: MachineState, event: { type: string }) =>
      (state.next as ReadonlyMap<string, MachineState>).get(event.type) ?? state,
    getInitialSnapshot: () => stepper.initial,
  };
  const adjacency = getAdjacencyMap(logic as unknown as AnyActorLogic, {
    events: ((state: MachineState) => [...state.next.keys()].map((type) => ({ type }))) as never,
    serializeState: keyOf as never,
  }) as unknown as Record<string, AdjacencyValue<MachineState, { type: string }>>;
  const paths: MachinePath[] = [{ events: [] }];
  const onPath = new Set<string>();
  const events: MachinePath['events'][number][] = [];
  const walk = (key: string) => {
    const vertex = adjacency[key];
    if (!vertex) return;
    onPath.add(key);
    for (const { event, state } of Object.values(vertex.transitions)) {
      const next = keyOf(state);
      if (onPath.has(next)) continue;
      events.push({ type: event.type, position: vertex.state.position });
      paths.push({ events: [...events] });
      walk(next);
      events.pop();
    }
    onPath.delete(key);
  };
  walk(keyOf(stepper.initial));
  known.set(stepper, paths);
  return paths;
}

/**
 * The distinct fault plans of the paths. A path's plan is the fault of each step attempt it makes
 * (later attempts succeed): paths whose plans differ only in trailing successes run the same.
 * @throws CoordinatorError `INVALID_DEFINITION` for a machine event the kit cannot drive.
 */
export function faultPlans(paths: readonly MachinePath[], type: string): FaultPlan[] {
  const plans = new Map<string, FaultPlan>();
  for (const path of paths) {
    const faults: FaultKind[] = [];
    const positions: string[] = [];
    for (const { type: event, position } of path.events) {
      const move = moves[event];
      if (move === undefined) {
        throw new CoordinatorError(
          'INVALID_DEFINITION',
          `checkEveryPath cannot drive event ${event} of Command type ${type}: this version of the testing kit does not know it`,
        );
      }
      if (move !== 'driver') {
        faults.push(move);
        positions.push(position);
      }
    }
    while (faults.at(-1) === 'ok') faults.pop();
    const key = faults.join(' ');
    const known = plans.get(key);
    if (!known || known.path.events.length < path.events.length) {
      plans.set(key, { faults, path, positions, operator: [] });
    }
  }
  return [...plans.values()];
}

/** A path as a person reads it: `START → reserve OUTCOME → charge DELAYED → RETRY → ...`. */
export function describePath(path: MachinePath): string {
  return path.events
    .map((e) => (moves[e.type] === 'driver' ? e.type : `${e.position} ${e.type}`))
    .join(' → ');
}
