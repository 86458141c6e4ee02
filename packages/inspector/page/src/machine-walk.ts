/** A state key as the chart labels it: `executing.compensate:charge` → `compensate:charge`. */
export const stateName = (key: string): string => key.slice(key.lastIndexOf('.') + 1);

/** A state of the machine definition (`GET /v1/types/{type}/chart?format=json`), as read here. */
interface DefinitionNode {
  readonly id: string;
  readonly key: string;
  readonly type: string;
  readonly initial?: { readonly target?: readonly string[] };
  readonly states?: Readonly<Record<string, DefinitionNode>>;
  readonly on?: Readonly<Record<string, readonly { readonly target?: readonly string[] }[]>>;
}

interface WalkState {
  readonly key: string;
  readonly type: string;
  readonly parent: string | undefined;
  readonly initial: string | undefined;
  /** Event → target state key (the first transition's first target). */
  readonly on: ReadonlyMap<string, string>;
}

/** The machine event each log record is (records that move nothing are absent). */
const eventOf: Readonly<Record<string, string>> = {
  started: 'START',
  outcome: 'OUTCOME',
  failed: 'FAILED',
  delayed: 'DELAYED',
  blocked: 'BLOCKED',
  retried: 'RETRY',
  done: 'DONE',
};

/** One timeline entry walked: the states before and after, and the transition taken. */
interface WalkStep {
  readonly fromKey: string;
  readonly key: string;
  /** A chart's `data-transition` id (`source:EVENT:target`); absent when the record moves nothing. */
  readonly transition?: string;
}

export interface WalkedPath {
  readonly steps: readonly WalkStep[];
  /** Every state the Command was in (leaf states, and compound ones it entered). */
  readonly states: ReadonlySet<string>;
  readonly transitions: ReadonlySet<string>;
  /** Where the walk ended: the Command's current state. */
  readonly current: string;
  /** False when a record had no transition from where the walk stood (a machine changed since). */
  readonly complete: boolean;
}

/**
 * A Command type's machine, read from its XState definition, to walk a Command's timeline through
 * it: each record is the machine event the architecture's "Records are the events" table names,
 * resolved from the current leaf state outwards, into initial sub-states and through shallow
 * history. The keys are the chart's `data-state` ids, so the walk says what to highlight.
 */
export class MachineWalk {
  readonly #states = new Map<string, WalkState>();
  readonly #initial: string;

  constructor(definition: unknown) {
    const root = definition as DefinitionNode;
    const keyOfId = new Map<string, string>();
    const collectIds = (node: DefinitionNode, key: string) => {
      keyOfId.set(`#${node.id}`, key);
      for (const [name, child] of Object.entries(node.states ?? {})) {
        collectIds(child, key === '' ? name : `${key}.${name}`);
      }
    };
    collectIds(root, '');
    const keyOf = (target: string | undefined) =>
      target === undefined ? undefined : (keyOfId.get(target) ?? target);
    const add = (node: DefinitionNode, key: string, parent: string | undefined) => {
      const on = new Map<string, string>();
      for (const [event, transitions] of Object.entries(node.on ?? {})) {
        const target = keyOf(transitions[0]?.target?.[0]);
        if (target !== undefined) on.set(event, target);
      }
      this.#states.set(key, {
        key,
        type: node.type,
        parent,
        initial: keyOf(node.initial?.target?.[0]),
        on,
      });
      for (const [name, child] of Object.entries(node.states ?? {})) {
        add(child, key === '' ? name : `${key}.${name}`, key);
      }
    };
    add(root, '', undefined);
    this.#initial = this.#enter(this.#states.get('')?.initial ?? '', new Map(), new Set());
  }

  /** Walks a timeline (its entries in order) from the machine's initial state. */
  walk(entries: readonly { readonly kind: string }[]): WalkedPath {
    const memory = new Map<string, string>();
    const states = new Set<string>([this.#initial]);
    const transitions = new Set<string>();
    const steps: WalkStep[] = [];
    let current = this.#initial;
    let complete = true;
    for (const entry of entries) {
      const event = eventOf[entry.kind];
      const found = event === undefined || !complete ? undefined : this.#find(current, event);
      if (event !== undefined && !found) complete = false;
      if (!found) {
        steps.push({ fromKey: current, key: current });
        continue;
      }
      const transition = `${found.source}:${event}:${found.target}`;
      this.#remember(current, memory);
      const next = this.#enter(found.target, memory, states);
      steps.push({ fromKey: current, key: next, transition });
      transitions.add(transition);
      states.add(next);
      current = next;
    }
    return { steps, states, transitions, current, complete };
  }

  /** The transition for `event` from `key` or its nearest ancestor that has one. */
  #find(key: string, event: string): { source: string; target: string } | undefined {
    for (let state = this.#states.get(key); state; state = this.#parentOf(state)) {
      const target = state.on.get(event);
      if (target !== undefined) return { source: state.key, target };
    }
    return undefined;
  }

  #parentOf(state: WalkState): WalkState | undefined {
    return state.parent === undefined ? undefined : this.#states.get(state.parent);
  }

  /** The leaf a transition to `key` ends in: through history and initial sub-states. */
  #enter(key: string, memory: ReadonlyMap<string, string>, entered: Set<string>): string {
    const state = this.#states.get(key);
    if (!state) return key;
    if (state.type === 'history') {
      entered.add(key);
      const parent = this.#parentOf(state);
      const remembered = state.parent === undefined ? undefined : memory.get(state.parent);
      return this.#enter(remembered ?? parent?.initial ?? key, memory, entered);
    }
    if (state.initial === undefined) return key;
    entered.add(key);
    return this.#enter(state.initial, memory, entered);
  }

  /** Leaving `key`: each compound state around it remembers which child it was in. */
  #remember(key: string, memory: Map<string, string>): void {
    for (let state = this.#states.get(key); state?.parent; state = this.#parentOf(state)) {
      if (state.parent !== '') memory.set(state.parent, state.key);
    }
  }
}
