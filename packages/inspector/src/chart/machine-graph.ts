import type { AnyStateMachine } from 'xstate';
import { toDirectedGraph } from 'xstate/graph';

/** A state of a Command type's machine, as the chart draws it. */
export interface ChartState {
  /**
   * Its path below the machine: `pending`, `executing`, `executing.charge`, `delayed`. The same
   * string as a Command's machine state `key`, so live counts map onto it directly.
   */
  readonly id: string;
  readonly label: string;
  readonly type: 'atomic' | 'compound' | 'final' | 'history';
  readonly children: readonly ChartState[];
}

/** A transition: `source` to `target` on a machine event. */
export interface ChartTransition {
  /** `<source>:<event>:<target>`, stable across builds. */
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly event: string;
}

export interface MachineGraph {
  /** The machine's id: the Command type. */
  readonly type: string;
  readonly states: readonly ChartState[];
  readonly transitions: readonly ChartTransition[];
}

type DirectedNode = ReturnType<typeof toDirectedGraph>;

/**
 * The states and transitions of a machine, from XState's own directed graph (`xstate/graph`):
 * every state node of the definition (compound `executing` with one state per saga step and per
 * compensation, the history pseudo-state, the finals) and every transition.
 */
export function machineGraph(machine: AnyStateMachine): MachineGraph {
  const prefix = `${machine.id}.`;
  const local = (id: string) => (id.startsWith(prefix) ? id.slice(prefix.length) : id);
  const transitions: ChartTransition[] = [];
  const state = (node: DirectedNode): ChartState => {
    const id = local(node.id);
    for (const edge of node.edges) {
      const target = local(edge.target.id);
      const event = edge.label.text;
      transitions.push({ id: `${id}:${event}:${target}`, source: id, target, event });
    }
    const type = node.stateNode.type;
    return {
      id,
      label: node.stateNode.key === 'hist' ? 'H' : node.stateNode.key,
      type: type === 'parallel' ? 'compound' : type,
      children: node.children.map(state),
    };
  };
  const root = toDirectedGraph(machine);
  return { type: machine.id, states: root.children.map(state), transitions };
}

/** Every state id of the graph, compound ones and pseudo-states included. */
export function stateIds(states: readonly ChartState[]): string[] {
  return states.flatMap((s) => [s.id, ...stateIds(s.children)]);
}
